"""Deadline reminders for people who hold an unsubmitted draft.

`reminders_plan()` runs from Celery beat (every 10 minutes). It selects by time window plus
"not yet queued", never by date equality, so a missed, late or doubled beat run neither
skips nor repeats anyone:

- A cohort is planned while it accepts applications: status open and
  `applications_open_at <= now < applications_close_at`.
- An offset `h` (hours, from `Cohort.reminder_offsets`, default 168, 24, 3) is *open* once
  `applications_close_at - h <= now`. The smallest open offset is the *current* one.
- Every draft (status `draft`, active applicant) that has no `DeadlineReminder` for the
  current offset gets exactly one email for it, and a `DeadlineReminder` row for the current
  offset **and every larger open offset**. So when beat was down across several offsets
  (or a draft was started after the 7-day mark), the person gets one email, for the nearest
  offset, instead of three at once; the passed offsets count as covered and are never sent
  later. Drafts that already had the current offset are skipped.
- The `DeadlineReminder` rows and the outbox rows (key `deadline-reminder:<pk>:<offset>`) are
  written in the same transaction, and the emails are dispatched to workers after it commits.
- Submitted, withdrawn (any status but `draft`) and closed or past-deadline cohorts are never
  reminded. A draft submitted during planning is not reminded either: on PostgreSQL the draft
  rows are locked while they are planned and re-checked by the database.
- Two planners never work on the same cohort at once (a PostgreSQL transaction-level advisory
  lock per cohort; SQLite serialises writers anyway), and both the unique
  (application, offset_hours) constraint and the unique outbox key stand behind that.
- The email tells how long is left (`time_left_text`, computed at planning time, rounded to
  the nearest minute, hour or day) in the applicant's own language.
- Moving the deadline does not re-arm offsets that were already reminded.
- A person with an active deadline extension (`DeadlineExtension`, later than the call's
  deadline) is left out of the call's planning and reminded relative to their own `until`
  instead, by `_plan_extensions`: the same offsets, "window open and no `ExtensionReminder`
  row yet", one email for the nearest open offset, the passed ones marked covered, the row and
  the outbox row (key `extension-reminder:<extension>:<offset>`) in one transaction. The rows
  belong to the extension, so a new extension reminds again; a revoked one stops. Extensions
  are granted one person at a time (a handful per call), so they are planned one extension
  per transaction, with its row locked.

It is set-based: one query selects (and on PostgreSQL locks) the ids of the drafts to remind;
then, in batches of ids, one INSERT ... SELECT writes the `DeadlineReminder` rows of every open
offset and the outbox's set-based enqueue (`incubator.mail.queue_mail_from_rows`) writes the
emails: rendered once per language, the database filling in each person's name and link. No
row passes through Python, and this module writes no outbox column. 100,000 drafts take seconds.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, F, Func, IntegerField, OuterRef, Value
from django.utils import timezone, translation

from cohorts.enums import ApplicationStatus, CohortStatus
from cohorts.models import Application, Cohort, DeadlineExtension, DeadlineReminder, ExtensionReminder
from cohorts.selectors.emails import application_edit_url, deadline_reminder_context, program_mail_scope
from incubator.dates import time_left_text
from incubator.db import insert_from_select
from incubator.mail import language_for, message_key, queue_mail, queue_mail_from_rows, recipient_name

logger = logging.getLogger(__name__)

TEMPLATE = "cohorts/deadline_reminder"
KEY_PREFIX = "deadline-reminder"
BATCH_SIZE = 5000
# First key of the two-key PostgreSQL advisory lock that serialises planning per cohort.
LOCK_NAMESPACE = 0x52454D44  # "REMD"


def reminder_key(*, application_id: int, offset_hours: int) -> str:
    return message_key(KEY_PREFIX, application_id, offset_hours)


def reminder_offsets_for(cohort: Cohort) -> list[int]:
    """The cohort's offsets in hours, largest first; anything that is not a positive whole number is ignored."""
    values = cohort.reminder_offsets if isinstance(cohort.reminder_offsets, list | tuple) else []
    offsets = set()
    for value in values:
        try:
            hours = int(value)
        except (TypeError, ValueError, OverflowError):
            continue
        if not isinstance(value, bool) and hours == value and hours > 0:
            offsets.add(hours)
    return sorted(offsets, reverse=True)


def reminders_plan(*, now: datetime | None = None) -> int:
    """Queue the deadline reminders that are due at `now`; returns how many emails were queued."""
    now = now or timezone.now()
    cohort_ids = list(
        Cohort.objects.filter(
            status=CohortStatus.OPEN, applications_open_at__lte=now, applications_close_at__gt=now
        ).values_list("pk", flat=True)
    )
    queued = sum(_plan_cohort(cohort_id=cohort_id, now=now) for cohort_id in cohort_ids)
    return queued + _plan_extensions(now=now)


def _plan_cohort(*, cohort_id: int, now: datetime) -> int:
    with transaction.atomic():
        _lock_cohort_planning(cohort_id)
        # Read again under the lock: staff may have closed the call meanwhile.
        cohort = (
            Cohort.objects.select_related("program")
            .filter(
                pk=cohort_id,
                status=CohortStatus.OPEN,
                applications_open_at__lte=now,
                applications_close_at__gt=now,
            )
            .first()
        )
        if cohort is None:
            return 0
        deadline = cohort.applications_close_at
        opened = [hours for hours in reminder_offsets_for(cohort) if deadline - timedelta(hours=hours) <= now]
        if not opened:
            return 0
        current = min(opened)
        draft_ids = _draft_ids_to_remind(cohort=cohort, offset_hours=current)
        if not draft_ids:
            return 0
        written_at = timezone.now()
        size = _batch_size()
        for start in range(0, len(draft_ids), size):
            drafts = Application.objects.filter(pk__in=draft_ids[start : start + size])
            _mark_covered(drafts, offsets=opened, at=written_at)
            _queue_emails(drafts, cohort=cohort, offset_hours=current, now=now)
    logger.info("Deadline reminders: cohort %s, offset %sh, %s queued.", cohort_id, current, len(draft_ids))
    return len(draft_ids)


def _lock_cohort_planning(cohort_id: int) -> None:
    """Serialise planners per cohort (released at commit). SQLite serialises writers itself.

    The planning transaction also commits without waiting for its WAL to reach the disk: it is
    all or nothing, and a crash that loses it only means the next beat run plans it again. (A
    worker's claim of one of its emails commits after it, so an email is never sent from a
    transaction that is lost.)"""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::integer, %s::integer), set_config('synchronous_commit', 'off', true)",
            [LOCK_NAMESPACE, cohort_id % 2_147_483_647],
        )


def _draft_ids_to_remind(*, cohort: Cohort, offset_hours: int) -> list[int]:
    drafts = (
        Application.objects.filter(cohort=cohort, status=ApplicationStatus.DRAFT, applicant__is_active=True)
        .exclude(Exists(DeadlineReminder.objects.filter(application=OuterRef("pk"), offset_hours=offset_hours)))
        # Reminded of their own, later deadline by `_plan_extensions`.
        .exclude(
            Exists(
                DeadlineExtension.objects.filter(
                    cohort=cohort,
                    person=OuterRef("applicant"),
                    revoked_at__isnull=True,
                    until__gt=cohort.applications_close_at,
                )
            )
        )
        .order_by("pk")
    )
    if connection.features.has_select_for_update_of:
        # A draft submitted or withdrawn while we plan either waits for us (and was still a
        # draft when reminded) or has committed first and is re-checked and left out.
        drafts = drafts.select_for_update(of=("self",), no_key=connection.features.has_select_for_no_key_update)
    return list(drafts.values_list("pk", flat=True))


def _batch_size() -> int:
    limit = connection.features.max_query_params
    return min(BATCH_SIZE, limit - 99) if limit else BATCH_SIZE


def _mark_covered(drafts, *, offsets: list[int], at: datetime) -> None:
    """A `DeadlineReminder` row per draft and offset: on PostgreSQL in one statement (the offsets
    unnested per draft), elsewhere one per offset."""
    queued_at = Value(at, output_field=DateTimeField())
    if connection.vendor == "postgresql":
        per_offset = [Func(Value(offsets), function="unnest", output_field=IntegerField())]
    else:
        per_offset = [Value(hours) for hours in offsets]
    for offset_hours in per_offset:
        insert_from_select(
            model=DeadlineReminder,
            values={"application": F("pk"), "offset_hours": offset_hours, "queued_at": queued_at},
            source=drafts,
        )


def _queue_emails(drafts, *, cohort: Cohort, offset_hours: int, now: datetime) -> list[int]:
    """One reminder per draft through the outbox's set-based enqueue, in the applicant's language."""

    def context(marks):
        return deadline_reminder_context(
            cohort=cohort, recipient_name=marks["recipient_name"], application_id=marks["application_id"], now=now
        )

    return queue_mail_from_rows(
        drafts,
        key=[KEY_PREFIX, F("pk"), offset_hours],
        recipient="applicant",
        template=TEMPLATE,
        context=context,
        per_person={"recipient_name": recipient_name("applicant"), "application_id": F("pk")},
        scope=program_mail_scope(cohort.program_id),
    )


EXTENSION_KEY_PREFIX = "extension-reminder"


def _extensions_due(now: datetime):
    """Active extensions whose person still holds a draft and whose `until` is ahead."""
    drafts = Application.objects.filter(
        cohort=OuterRef("cohort"),
        applicant=OuterRef("person"),
        status=ApplicationStatus.DRAFT,
        applicant__is_active=True,
    )
    return DeadlineExtension.objects.filter(
        revoked_at__isnull=True,
        person__isnull=False,
        until__gt=now,
        cohort__status__in=(CohortStatus.OPEN, CohortStatus.CLOSED),
        cohort__applications_open_at__lte=now,
    ).filter(Exists(drafts), until__gt=F("cohort__applications_close_at"))


def _plan_extensions(*, now: datetime) -> int:
    queued = 0
    for extension_id in _extensions_due(now).order_by("pk").values_list("pk", flat=True):
        queued += _plan_extension(extension_id=extension_id, now=now)
    return queued


def _plan_extension(*, extension_id: int, now: datetime) -> int:
    with transaction.atomic():
        # Under the row's lock, read again: staff may have revoked it meanwhile.
        extension = (
            _extensions_due(now)
            .select_for_update(of=("self",))
            .select_related("cohort__program", "person")
            .filter(pk=extension_id)
            .first()
        )
        if extension is None:
            return 0
        opened = [
            hours for hours in reminder_offsets_for(extension.cohort) if extension.until - timedelta(hours=hours) <= now
        ]
        if not opened:
            return 0
        current = min(opened)
        if ExtensionReminder.objects.filter(extension=extension, offset_hours=current).exists():
            return 0
        application = Application.objects.filter(
            cohort=extension.cohort, applicant=extension.person, status=ApplicationStatus.DRAFT
        ).first()
        if application is None:
            return 0
        written_at = timezone.now()
        ExtensionReminder.objects.bulk_create(
            [ExtensionReminder(extension=extension, offset_hours=hours, queued_at=written_at) for hours in opened],
            ignore_conflicts=True,
        )
        person = extension.person
        language = language_for(person)
        with translation.override(language):
            time_left = time_left_text(extension.until - now)  # in the person's language
        queue_mail(
            key=message_key(EXTENSION_KEY_PREFIX, extension.pk, current),
            to=person.email,
            template=TEMPLATE,
            context={
                "recipient_name": person.get_full_name(),
                "program_name": extension.cohort.program.display_name,
                "cohort_name": extension.cohort.name,
                "deadline": timezone.localtime(extension.until),
                "time_left": time_left,
                "application_url": application_edit_url(application.pk),
            },
            language=language,
            user=person,
            related=application,
            scope=program_mail_scope(extension.cohort.program_id),
        )
    logger.info("Extension reminder: extension %s, offset %sh.", extension_id, current)
    return 1
