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

It is set-based: one query selects (and on PostgreSQL locks) the ids of the drafts to remind;
the email is rendered once per language, with marks where the name and link go; and the
database fills those in and inserts the rows itself (`incubator.db.insert_from_select`: INSERT ... SELECT,
batches of 5,000 ids), so no row passes through Python. 100,000 drafts take seconds.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf, Replace
from django.utils import timezone, translation

from cohorts.enums import ApplicationStatus, CohortStatus
from cohorts.models import Application, Cohort, DeadlineReminder
from incubator.dates import time_left_text
from incubator.db import insert_from_select
from incubator.enums import EmailState
from incubator.links import absolute_url
from incubator.mail import RenderedEmail, dispatch_many_on_commit, render_email
from incubator.models import OutboundEmail

logger = logging.getLogger(__name__)

TEMPLATE = "cohorts/deadline_reminder"
BATCH_SIZE = 5000
# First key of the two-key PostgreSQL advisory lock that serialises planning per cohort.
LOCK_NAMESPACE = 0x52454D44  # "REMD"

# Marks rendered in place of the per-person parts, so that the template is rendered once
# per language and the person's name and link are filled in by string replacement.
NAME_MARK = "XXRECIPIENTNAMEXX"
APPLICATION_MARK = "XXAPPLICATIONIDXX"


def reminder_key(*, application_id: int, offset_hours: int) -> str:
    return f"deadline-reminder:{application_id}:{offset_hours}"


def application_edit_url(application_id: int | str) -> str:
    # Not reversed: the id may be the mark that the database replaces (see the module docstring).
    return absolute_url(f"/applications/{application_id}/edit/")


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
    return sum(_plan_cohort(cohort_id=cohort_id, now=now) for cohort_id in cohort_ids)


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
        rendered = {code: _render(cohort=cohort, language=code, now=now) for code, _name in settings.LANGUAGES}
        content_type = ContentType.objects.get_for_model(Application)
        written_at = timezone.now()
        email_ids: list[int] = []
        size = _batch_size()
        for start in range(0, len(draft_ids), size):
            drafts = Application.objects.filter(pk__in=draft_ids[start : start + size])
            for hours in opened:
                insert_from_select(
                    model=DeadlineReminder,
                    values={
                        "application": F("pk"),
                        "offset_hours": Value(hours),
                        "queued_at": Value(written_at, output_field=DateTimeField()),
                    },
                    source=drafts,
                )
            email_ids += insert_from_select(
                model=OutboundEmail,
                values=_outbox_values(
                    offset_hours=current, rendered=rendered, content_type=content_type, written_at=written_at
                ),
                source=drafts,
                returning=True,
            )
        dispatch_many_on_commit(email_ids)
    logger.info("Deadline reminders: cohort %s, offset %sh, %s queued.", cohort_id, current, len(draft_ids))
    return len(draft_ids)


def _lock_cohort_planning(cohort_id: int) -> None:
    """Serialise planners per cohort (released at commit). SQLite serialises writers itself."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", [LOCK_NAMESPACE, cohort_id % 2_147_483_647]
        )


def _draft_ids_to_remind(*, cohort: Cohort, offset_hours: int) -> list[int]:
    drafts = (
        Application.objects.filter(cohort=cohort, status=ApplicationStatus.DRAFT, applicant__is_active=True)
        .exclude(Exists(DeadlineReminder.objects.filter(application=OuterRef("pk"), offset_hours=offset_hours)))
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


def _render(*, cohort: Cohort, language: str, now: datetime) -> RenderedEmail:
    """Render the reminder once for a language, with marks for the per-person parts."""
    with translation.override(language):
        context = {
            "recipient_name": NAME_MARK,
            "program_name": cohort.program.display_name,
            "cohort_name": cohort.name,
            "deadline": timezone.localtime(cohort.applications_close_at),
            "time_left": time_left_text(cohort.applications_close_at - now),
            "application_url": application_edit_url(APPLICATION_MARK),
        }
    return render_email(template=TEMPLATE, context=context, language=language)


def _text(value: str) -> Value:
    return Value(value, output_field=TextField())


def _html_escape(expression):
    """`django.utils.html.escape`, in SQL."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        expression = Replace(expression, _text(char), _text(entity))
    return expression


def _personalised(text: str, *, escape: bool):
    """`text` with the marks replaced by the applicant's name and the application id, in SQL."""
    expression = _text(text)
    if NAME_MARK in text:
        name = Coalesce(NullIf("applicant__full_name", _text("")), "applicant__email", output_field=TextField())
        expression = Replace(expression, _text(NAME_MARK), _html_escape(name) if escape else name)
    if APPLICATION_MARK in text:
        expression = Replace(expression, _text(APPLICATION_MARK), Cast("pk", TextField()))
    return expression


def _outbox_values(
    *, offset_hours: int, rendered: dict[str, RenderedEmail], content_type: ContentType, written_at: datetime
) -> dict:
    """One outbox row per draft, personalised by the database from the once-rendered email."""
    fallback = settings.LANGUAGE_CODE
    others = [code for code in rendered if code != fallback]

    def by_language(build):
        return Case(
            *[When(applicant__preferred_language=code, then=build(rendered[code])) for code in others],
            default=build(rendered[fallback]),
            output_field=TextField(),
        )

    return {
        "key": Concat(_text("deadline-reminder:"), Cast("pk", TextField()), _text(f":{offset_hours}")),
        "to": F("applicant__email"),
        "recipient_user": F("applicant_id"),
        "language": Case(
            *[When(applicant__preferred_language=code, then=_text(code)) for code in others],
            default=_text(fallback),
            output_field=TextField(),
        ),
        "template": _text(TEMPLATE),
        "subject": Left(by_language(lambda email: _personalised(email.subject, escape=False)), 255),
        "body_text": by_language(lambda email: _personalised(email.body_text, escape=False)),
        "body_html": by_language(lambda email: _personalised(email.body_html, escape=True)),
        "state": _text(EmailState.QUEUED),
        "attempts": Value(0),
        "last_error": _text(""),
        "created_at": Value(written_at, output_field=DateTimeField()),
        "next_attempt_at": Value(written_at, output_field=DateTimeField()),
        "content_type": Value(content_type.pk),
        "object_id": Cast("pk", TextField()),
    }
