"""Reviewers reminded before a selection phase's review deadline.

`review_reminders_plan()` runs from Celery beat (every 10 minutes). It selects by time window
plus "not yet queued", never by date equality, so a missed, late or doubled beat run neither
skips nor repeats anyone:

- A phase is planned while its review deadline is ahead: `now < review_deadline` (a deadline
  that has passed sends nothing, whatever was missed before it) and at most `HORIZON_DAYS` away.
- An offset `d` (days, from `Phase.reminder_days`, default 3 and 1) is *open* once
  `review_deadline - d days <= now`. The smallest open offset is the *current* one.
- A reviewer is due when they have at least one *pending* review in the phase (state pending,
  the application still open to review: not withdrawn, not decided), their account is active,
  and they have no `ReviewReminder` for the current offset. A reviewer with nothing pending is
  not reminded, and is reminded later if a review is assigned to them before a later offset.
- Each due reviewer gets exactly one email for the current offset (one per reviewer and offset,
  not per review), with their pending count in the phase and a link to their review list, and
  a `ReviewReminder` row for the current offset (`emailed`) and for every larger open offset
  not yet covered (not `emailed`): after a beat outage across the 3-day and 1-day marks a
  reviewer gets the 1-day reminder only, never two at once, and the 3-day one is not sent later.
- The rows and the outbox rows (key `review-reminder:<phase>:<reviewer>:<offset>`) are written
  in one transaction, with a PostgreSQL advisory lock per phase so two planners never work on
  the same phase at once; the unique (phase, reviewer, offset) constraint and the unique outbox
  key stand behind that. The emails are built from the rows that this run inserted, so a row
  that was already there never yields a second email.
- Moving the deadline re-opens the offsets not yet sent or covered: they open at the new
  deadline minus their days. Offsets already sent are not sent again.
- The email names no application, in any phase: a count and a link only. So a blind phase's
  reminder carries nothing identifying by construction (the review list itself applies the blind).

It is set-based: one query finds the due reviewers, one INSERT ... SELECT per open offset writes
the rows, and the outbox's set-based enqueue writes the emails from the inserted rows, rendered
once per language with the database filling in each name and count. The number of queries does
not grow with reviewers or reviews.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import BooleanField, Count, DateTimeField, Exists, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cohorts.enums import ReviewState
from cohorts.models import Phase, ReviewAssignment, ReviewReminder
from cohorts.services.selection import REVIEWABLE_STATUSES
from incubator.dates import time_left_text
from incubator.db import insert_from_select
from incubator.links import absolute_url
from incubator.mail import message_key, queue_mail_from_rows, recipient_name

logger = logging.getLogger(__name__)

TEMPLATE = "cohorts/review_reminder"
KEY_PREFIX = "review-reminder"
HORIZON_DAYS = 60  # no offset is taken further ahead than this
BATCH_SIZE = 5000
# First key of the two-key PostgreSQL advisory lock that serialises planning per phase.
LOCK_NAMESPACE = 0x52565244  # "RVRD"


def review_reminder_key(*, phase_id: int, reviewer_id: int, offset_days: int) -> str:
    return message_key(KEY_PREFIX, phase_id, reviewer_id, offset_days)


def reminder_days_for(phase: Phase) -> list[int]:
    """The phase's offsets in days, largest first; anything not a whole number of days from 1
    to `HORIZON_DAYS` is ignored."""
    values = phase.reminder_days if isinstance(phase.reminder_days, list | tuple) else []
    return sorted(
        {
            value
            for value in values
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= HORIZON_DAYS
        },
        reverse=True,
    )


def pending_reviews(*, phase_id: int):
    """The reviews of a phase still waiting for their reviewer's scores."""
    return ReviewAssignment.objects.filter(
        phase_id=phase_id, state=ReviewState.PENDING, application__status__in=REVIEWABLE_STATUSES
    )


def review_reminders_plan(*, now: datetime | None = None) -> int:
    """Queue the reviewer reminders that are due at `now`; returns how many emails were queued."""
    now = now or timezone.now()
    phase_ids = list(
        Phase.objects.filter(review_deadline__gt=now, review_deadline__lte=now + timedelta(days=HORIZON_DAYS))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_plan_phase(phase_id=phase_id, now=now) for phase_id in phase_ids)


def _plan_phase(*, phase_id: int, now: datetime) -> int:
    with transaction.atomic():
        _lock_phase_planning(phase_id)
        # Read again under the lock: staff may have moved the deadline meanwhile.
        phase = Phase.objects.select_related("cohort__program").filter(pk=phase_id, review_deadline__gt=now).first()
        if phase is None:
            return 0
        deadline = phase.review_deadline
        opened = [days for days in reminder_days_for(phase) if deadline - timedelta(days=days) <= now]
        if not opened:
            return 0
        current = min(opened)
        reviewer_ids = _reviewers_to_remind(phase_id=phase.pk, offset_days=current)
        if not reviewer_ids:
            return 0
        written_at = timezone.now()
        queued = 0
        size = _batch_size()
        for start in range(0, len(reviewer_ids), size):
            reviewers = _with_pending(
                get_user_model().objects.filter(pk__in=reviewer_ids[start : start + size]), phase_id=phase.pk
            )
            inserted = _write_rows(
                reviewers, phase=phase, offsets=opened, current=current, deadline=deadline, at=written_at
            )
            queued += len(_queue_emails(inserted, phase=phase, offset_days=current, now=now))
    logger.info("Reviewer reminders: phase %s, offset %sd, %s queued.", phase_id, current, queued)
    return queued


def _lock_phase_planning(phase_id: int) -> None:
    """Serialise planners per phase (released at commit). SQLite serialises writers itself."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", [LOCK_NAMESPACE, phase_id % 2_147_483_647]
        )


def _batch_size() -> int:
    limit = connection.features.max_query_params
    return min(BATCH_SIZE, limit - 99) if limit else BATCH_SIZE


def _reviewers_to_remind(*, phase_id: int, offset_days: int) -> list[int]:
    """Active reviewers with a pending review in the phase and no row for the current offset."""
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(pending_reviews(phase_id=phase_id).filter(reviewer=OuterRef("pk"))))
        .exclude(
            Exists(ReviewReminder.objects.filter(phase_id=phase_id, reviewer=OuterRef("pk"), offset_days=offset_days))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _with_pending(users, *, phase_id: int):
    count = (
        pending_reviews(phase_id=phase_id)
        .filter(reviewer=OuterRef("pk"))
        .order_by()
        .values("reviewer")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return users.annotate(pending_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)))


def _write_rows(
    reviewers, *, phase: Phase, offsets: list[int], current: int, deadline: datetime, at: datetime
) -> list[int]:
    """A `ReviewReminder` per reviewer and open offset (the current one `emailed`); returns the
    ids of the current offset's rows that this run inserted (a row already there is skipped)."""
    inserted: list[int] = []
    for days in sorted(offsets):  # the current (smallest) first
        ids = insert_from_select(
            model=ReviewReminder,
            values={
                "phase": Value(phase.pk, output_field=IntegerField()),
                "reviewer": F("pk"),
                "offset_days": Value(days, output_field=IntegerField()),
                "deadline": Value(deadline, output_field=DateTimeField()),
                "pending": F("pending_count"),
                "emailed": Value(days == current, output_field=BooleanField()),
                "queued_at": Value(at, output_field=DateTimeField()),
            },
            source=reviewers,
            returning=days == current,
        )
        if days == current:
            inserted = ids
    return inserted


def _queue_emails(row_ids: list[int], *, phase: Phase, offset_days: int, now: datetime) -> list[int]:
    """One reminder per inserted row through the outbox's set-based enqueue, in the reviewer's language."""
    if not row_ids:
        return []
    deadline = phase.review_deadline
    cohort = phase.cohort

    def context(marks):
        return {
            "recipient_name": marks["recipient_name"],
            "pending": marks["pending"],
            "program_name": cohort.program.display_name,
            "cohort_name": cohort.name,
            "phase_name": phase.display_name,
            "deadline": timezone.localtime(deadline),
            "time_left": time_left_text(deadline - now),
            "review_url": absolute_url("cohorts:review_list"),
        }

    return queue_mail_from_rows(
        ReviewReminder.objects.filter(pk__in=row_ids),
        key=[KEY_PREFIX, F("phase_id"), F("reviewer_id"), offset_days],
        recipient="reviewer",
        template=TEMPLATE,
        context=context,
        per_person={"recipient_name": recipient_name("reviewer"), "pending": F("pending")},
    )
