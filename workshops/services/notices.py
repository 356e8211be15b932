"""Session reminders, change and cancellation notices, RSVP reminders, follow-ups and staff
announcements: all through the outbox, each in its person's language. Session reminders use
the set-based enqueue (`queue_mail_from_rows`); the others, one workshop or session at a time,
`queue_mail_bulk`.

Planning (Celery beat, every 10 minutes) selects by time window plus "not yet queued", never
by date equality, so a late, doubled or skipped beat run neither repeats nor skips anyone:

- A session reminder offset `h` (hours, `WorkshopSeries.reminder_offsets`, default 168, 24, 2)
  is *open* once `starts_at - h <= now < starts_at`. The smallest open offset is the current one.
- Everyone coming to the session (RSVP yes, active) without a `SessionReminder` for the current
  offset at the session's current revision (`Session.sequence`) gets one email, and rows for the
  current offset and every larger open one: after a beat outage a person gets the nearest
  reminder only, never three at once.
- The rows and the outbox rows (key `session-reminder:<session>:<person>:<offset>:<revision>`)
  are written in one transaction, with the session rows locked, and both unique constraints
  stand behind that. Cancelled sessions are never planned.
- It is set-based, per batch of sessions: the sessions are locked; one INSERT ... SELECT
  writes the `SessionReminder` rows of everyone due (the sessions joined with their workshop's
  registrations, the open offsets unnested); one more writes their emails through the outbox,
  each session's email rendered once per language (with the staff's text of its series and
  language) and the database filling in each person's name, address and key. No person passes
  through Python, and the number of queries does not grow with people or sessions.
- Moving a session raises its revision and sends a change notice; the offsets already open at
  the new time count as covered by that notice, so no reminder ever names the old time and
  nobody gets a change notice and a reminder at once.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, Exists, F, Func, IntegerField, Max, OuterRef, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from incubator.dates import format_date
from incubator.db import insert_from_select
from incubator.mail import Message, message_key, queue_mail_bulk, queue_mail_from_rows, recipient_name
from workshops.enums import NoticeKind, Rsvp, SessionStatus
from workshops.models import (
    Announcement,
    Feedback,
    Registration,
    ReminderText,
    Session,
    SessionReminder,
    Workshop,
    WorkshopNotice,
    WorkshopSeries,
)

logger = logging.getLogger(__name__)

HORIZON_HOURS = 24 * 31  # no offset is taken further ahead than this
FOLLOWUP_LATEST = timedelta(days=14)  # a follow-up not sent within two weeks is not sent at all
SESSION_CHUNK = 200
REMINDER_TEMPLATE = "workshops/session_reminder"
REMINDER_KEY = "session-reminder"

# Staff-written reminder text: plain text with these placeholders, nothing else.
PLACEHOLDERS = ("name", "workshop", "session", "start", "place", "link")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def my_cohort_url() -> str:
    return settings.SITE_URL + reverse("workshops:my_cohort")


def feedback_url(workshop_id: int) -> str:
    return settings.SITE_URL + reverse("workshops:feedback", kwargs={"pk": workshop_id})


def offsets_for(series: WorkshopSeries) -> list[int]:
    """The series' offsets in hours, largest first; anything not a positive whole number is ignored."""
    values = series.reminder_offsets if isinstance(series.reminder_offsets, list | tuple) else []
    offsets = set()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= HORIZON_HOURS:
            offsets.add(value)
    return sorted(offsets, reverse=True)


def place_text(workshop: Workshop) -> str:
    from incubator.geo import province_name

    parts = [workshop.venue, province_name(workshop.province) if workshop.province else "", workshop.online_url]
    return ", ".join(part for part in parts if part)


def session_place(session: Session) -> str:
    return ", ".join(part for part in [session.room, place_text(session.workshop)] if part)


# --- Staff-written reminder text -------------------------------------------------------------


def reminder_text_validate(body: str) -> None:
    unknown = sorted({name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. You can use: %(allowed)s.")
            % {
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )


def reminder_text_render(body: str, values: dict[str, str]) -> str:
    """`body` with each known {placeholder} replaced by its value; no other interpretation."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def reminder_values(*, session: Session, user, language: str) -> dict[str, str]:
    return _session_values(session=session, name=user.full_name or user.email, language=language)


def _session_values(*, session: Session, name: str, language: str) -> dict[str, str]:
    """The placeholders' values for `session` in `language`; `name` may be the outbox's mark
    that the database replaces with each person's name."""
    with translation.override(language):
        return {
            "name": name,
            "workshop": session.workshop.display_title,
            "session": session.title,
            "start": format_date(session.starts_at, with_time=True, language=language),
            "place": session_place(session),
            "link": my_cohort_url(),
        }


def reminder_text_save(*, series: WorkshopSeries, language: str, body: str, by=None) -> ReminderText | None:
    """Set (or with an empty body, remove) the staff's reminder text for `language`."""
    body = body.strip()
    if not body:
        ReminderText.objects.filter(series=series, language=language).delete()
        return None
    reminder_text_validate(body)
    text = ReminderText.objects.filter(series=series, language=language).first() or ReminderText(
        series=series, language=language
    )
    text.body = body
    text.full_clean()
    text.save()
    return text


def reminder_preview(*, series: WorkshopSeries, language: str, body: str, user) -> str:
    """What a participant would read in the reminder for the series' next session."""
    from incubator.mail import render_email

    sessions = (
        Session.objects.select_related("workshop__series")
        .filter(workshop__series=series, status=SessionStatus.SCHEDULED)
        .order_by("starts_at")
    )
    session = sessions.filter(starts_at__gt=timezone.now()).first() or sessions.last()
    if session is None:
        return ""
    custom = reminder_text_render(body, reminder_values(session=session, user=user, language=language))
    context = {
        "recipient_name": user.full_name or user.email,
        "session": session,
        "workshop": session.workshop,
        "place": session_place(session),
        "custom_text": custom,
        "my_cohort_url": my_cohort_url(),
    }
    email = render_email(template="workshops/session_reminder", context=context, language=language)
    return f"{email.subject}\n\n{email.body_text}"


# --- Session reminders -----------------------------------------------------------------------


def session_reminders_plan(*, now: datetime | None = None) -> int:
    """Queue the session reminders due at `now`; returns how many emails were queued."""
    now = now or timezone.now()
    session_ids = list(
        Session.objects.filter(
            status=SessionStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + timedelta(hours=HORIZON_HOURS)
        )
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    queued = 0
    for start in range(0, len(session_ids), SESSION_CHUNK):
        queued += _plan_sessions(session_ids[start : start + SESSION_CHUNK], now=now)
    return queued


def _plan_sessions(session_ids: list[int], *, now: datetime) -> int:
    with transaction.atomic():
        sessions = Session.objects.select_related("workshop__series").filter(
            pk__in=session_ids, status=SessionStatus.SCHEDULED, starts_at__gt=now
        )
        if connection.features.has_select_for_update_of:
            # A session moved or cancelled meanwhile waits for us, or has committed and is re-read;
            # a second planner waits here until we commit, then finds everything covered.
            sessions = sessions.select_for_update(of=("self",))
        by_offsets: dict[tuple[int, ...], list[Session]] = defaultdict(list)
        for session in sessions.order_by("pk"):
            opened = [h for h in offsets_for(session.workshop.series) if session.starts_at - timedelta(hours=h) <= now]
            if opened:
                by_offsets[tuple(opened)].append(session)
        if not by_offsets:
            return 0
        texts: dict[int, dict[str, str]] = defaultdict(dict)
        series_ids = {session.workshop.series_id for group in by_offsets.values() for session in group}
        for text in ReminderText.objects.filter(series_id__in=series_ids):
            texts[text.series_id][text.language] = text.body
        written_at = timezone.now()
        queued = 0
        for opened, group in by_offsets.items():
            ids = [session.pk for session in group]
            new_ids = _mark_reminded(ids, opened=list(opened), at=written_at)
            if not new_ids:
                continue  # everyone was reminded already (a doubled beat run): nothing to render
            # The rows this run wrote have the highest ids (the sessions are locked; a row
            # committed before our INSERT took a smaller one from the sequence).
            first_new = min(new_ids)
            marked = set(
                SessionReminder.objects.filter(session_id__in=ids, offset_hours=min(opened), pk__gte=first_new)
                .values_list("session_id", flat=True)
                .distinct()
            )
            group = [session for session in group if session.pk in marked]
            queued += len(_queue_reminders(group, offset_hours=min(opened), first_new=first_new, texts=texts))
    if queued:
        logger.info("Session reminders: %s queued for %s sessions.", queued, len(session_ids))
    return queued


# From a session to the person of one of its workshop's registrations (one row per both).
_PERSON = "workshop__registrations__participant"


def _coming_rows(session_ids: list[int]) -> QuerySet[Session]:
    """One row per session and person coming to it (RSVP yes, active), set-based: the sessions
    joined with their workshop's registrations; `person` is the participant's id."""
    return Session.objects.filter(
        pk__in=session_ids,
        workshop__registrations__rsvp=Rsvp.YES,
        workshop__registrations__participant__is_active=True,
        workshop__registrations__participant__user__is_active=True,
    ).alias(person=F(_PERSON))  # the join of the filter, not a second one


def _mark_reminded(session_ids: list[int], *, opened: list[int], at: datetime) -> list[int]:
    """A `SessionReminder` row (written at `at`) for every person coming to these sessions who
    has none for the current (smallest open) offset at the session's revision: for the current
    offset and every larger open one, so that passed offsets count as covered. On PostgreSQL
    one statement (the offsets unnested per row), elsewhere one per offset, the current last.
    Returns the ids of the rows written."""
    current = min(opened)
    rows = _coming_rows(session_ids).filter(
        ~Exists(
            SessionReminder.objects.filter(
                session=OuterRef("pk"),
                participant=OuterRef("person"),
                offset_hours=current,
                sequence=OuterRef("sequence"),
            )
        )
    )
    if connection.vendor == "postgresql":
        per_offset = [Func(Value(opened), function="unnest", output_field=IntegerField())]
    else:
        per_offset = [Value(hours) for hours in sorted(opened, reverse=True)]
    written: list[int] = []
    for offset_hours in per_offset:
        written += insert_from_select(
            returning=True,
            model=SessionReminder,
            values={
                "session": F("pk"),
                "participant": F("person"),
                "offset_hours": offset_hours,
                "sequence": F("sequence"),
                "queued_at": Value(at, output_field=DateTimeField()),
            },
            source=rows,
        )
    return written


def _queue_reminders(sessions: list[Session], *, offset_hours: int, first_new: int, texts: dict) -> list[int]:
    """The reminders of the people `_mark_reminded` has just marked (their current-offset row
    has an id from `first_new` on), through the outbox's set-based enqueue: each session's email rendered
    once per language, the database filling in each person's name."""
    rows = _coming_rows([session.pk for session in sessions]).filter(
        Exists(
            SessionReminder.objects.filter(
                session=OuterRef("pk"),
                participant=OuterRef("person"),
                offset_hours=offset_hours,
                sequence=OuterRef("sequence"),
                pk__gte=first_new,
            )
        )
    )
    link = my_cohort_url()

    def context_for(session: Session):
        custom_texts = texts.get(session.workshop.series_id, {})

        def context(marks):
            language = translation.get_language()
            custom = custom_texts.get(language, "")
            values = _session_values(session=session, name=marks["recipient_name"], language=language)
            return {
                "recipient_name": marks["recipient_name"],
                "session": session,
                "workshop": session.workshop,
                "place": session_place(session),
                "custom_text": reminder_text_render(custom, values) if custom else "",
                "my_cohort_url": link,
            }

        return context

    return queue_mail_from_rows(
        rows,
        key=[REMINDER_KEY, F("pk"), F(f"{_PERSON}__user_id"), offset_hours, F("sequence")],
        recipient=f"{_PERSON}__user",
        template=REMINDER_TEMPLATE,
        variants=[(Q(pk=session.pk), context_for(session)) for session in sessions],
        per_person={"recipient_name": recipient_name(f"{_PERSON}__user")},
    )


def session_cover_open_offsets(*, session: Session, now: datetime | None = None) -> None:
    """After a move: the offsets already open at the new time count as sent (the change
    notice told everyone), so planning sends only the later ones."""
    now = now or timezone.now()
    opened = [h for h in offsets_for(session.workshop.series) if session.starts_at - timedelta(hours=h) <= now]
    if not opened:
        return
    if connection.vendor == "postgresql":
        per_offset = [Func(Value(opened), function="unnest", output_field=IntegerField())]
    else:
        per_offset = [Value(hours) for hours in opened]
    for offset_hours in per_offset:
        insert_from_select(
            model=SessionReminder,
            values={
                "session": Value(session.pk),
                "participant": F("participant_id"),
                "offset_hours": offset_hours,
                "sequence": Value(session.sequence),
                "queued_at": Value(now, output_field=DateTimeField()),
            },
            source=_coming(session.workshop),
        )


def _coming(workshop: Workshop) -> QuerySet[Registration]:
    return Registration.objects.filter(
        workshop=workshop, participant__is_active=True, participant__user__is_active=True
    ).exclude(rsvp=Rsvp.NO)


def session_notices_queue(*, session: Session, kind: str, previous_start: datetime | None = None) -> int:
    """The change ("moved") or cancellation notice to everyone registered and not declined."""
    registrations = list(_coming(session.workshop).select_related("participant__user"))
    template = "workshops/session_changed" if kind == "moved" else "workshops/session_cancelled"
    prefix = "session-change" if kind == "moved" else "session-cancel"
    messages = [
        Message(
            key=message_key(prefix, session.pk, registration.participant.user_id, session.sequence),
            user=registration.participant.user,
            template=template,
            context={
                "recipient_name": registration.participant.user.full_name or registration.participant.user.email,
                "session": session,
                "workshop": session.workshop,
                "previous_start": previous_start,
                "reason": session.change_reason,
                "place": place_text(session.workshop),
                "my_cohort_url": my_cohort_url(),
            },
            related=session,
        )
        for registration in registrations
    ]
    queue_mail_bulk(messages)
    return len(messages)


# --- RSVP reminders and follow-ups -----------------------------------------------------------


def _workshop_notices(*, workshops: list[Workshop], kind: str, registrations: QuerySet[Registration], build) -> int:
    sent = 0
    for workshop in workshops:
        with transaction.atomic():
            todo = list(
                registrations.filter(workshop=workshop)
                .exclude(
                    Exists(
                        WorkshopNotice.objects.filter(workshop=workshop, participant=OuterRef("participant"), kind=kind)
                    )
                )
                .select_related("participant__user")
            )
            if not todo:
                continue
            WorkshopNotice.objects.bulk_create(
                [WorkshopNotice(workshop=workshop, participant_id=r.participant_id, kind=kind) for r in todo],
                ignore_conflicts=True,
            )
            queue_mail_bulk([build(workshop, r) for r in todo])
            sent += len(todo)
    return sent


def rsvp_reminders_plan(*, now: datetime | None = None) -> int:
    """Optional workshops within their series' RSVP window: remind who has not answered, once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    workshops = [
        workshop
        for workshop in Workshop.objects.select_related("series").filter(required=False, starts_on__gt=today)
        if workshop.starts_on - timedelta(days=workshop.series.rsvp_reminder_days) <= today
    ]
    registrations = Registration.objects.filter(
        rsvp=Rsvp.PENDING, participant__is_active=True, participant__user__is_active=True
    )

    def build(workshop, registration):
        user = registration.participant.user
        return Message(
            key=message_key("rsvp-reminder", workshop.pk, user.pk),
            user=user,
            template="workshops/rsvp_reminder",
            context={
                "recipient_name": user.full_name or user.email,
                "workshop": workshop,
                "my_cohort_url": my_cohort_url(),
            },
            related=workshop,
        )

    return _workshop_notices(
        workshops=workshops, kind=NoticeKind.RSVP_REMINDER, registrations=registrations, build=build
    )


def followups_plan(*, now: datetime | None = None) -> int:
    """A set time after a workshop's last session ends: the follow-up with the feedback link,
    once, to those who came and have not given feedback yet."""
    now = now or timezone.now()
    workshops = []
    candidates = (
        Workshop.objects.select_related("series")
        .filter(sessions__status=SessionStatus.SCHEDULED)
        .annotate(last_end=Max("sessions__ends_at"))
        .filter(last_end__lte=now, last_end__gt=now - FOLLOWUP_LATEST - timedelta(hours=24 * 7))
    )
    for workshop in candidates:
        due_at = workshop.last_end + timedelta(hours=workshop.series.followup_hours)
        if due_at <= now < due_at + FOLLOWUP_LATEST:
            workshops.append(workshop)
    registrations = Registration.objects.filter(
        rsvp=Rsvp.YES, participant__is_active=True, participant__user__is_active=True
    ).exclude(Exists(Feedback.objects.filter(workshop=OuterRef("workshop"), participant=OuterRef("participant"))))

    def build(workshop, registration):
        user = registration.participant.user
        return Message(
            key=message_key("workshop-followup", workshop.pk, user.pk),
            user=user,
            template="workshops/followup",
            context={
                "recipient_name": user.full_name or user.email,
                "workshop": workshop,
                "feedback_url": feedback_url(workshop.pk),
            },
            related=workshop,
        )

    return _workshop_notices(workshops=workshops, kind=NoticeKind.FOLLOWUP, registrations=registrations, build=build)


# --- Announcements ---------------------------------------------------------------------------


def announcement_recipients(*, series: WorkshopSeries, workshop: Workshop | None = None):
    """The people an announcement reaches: the cohort's active participants, or those
    registered (and not declined) for one workshop."""
    from cohorts.models import Participant

    participants = Participant.objects.filter(cohort_id=series.cohort_id, is_active=True, user__is_active=True)
    if workshop is not None:
        participants = participants.filter(
            Exists(Registration.objects.filter(workshop=workshop, participant=OuterRef("pk")).exclude(rsvp=Rsvp.NO))
        )
    return participants.select_related("user").order_by("pk")


def announcement_send(
    *, series: WorkshopSeries, workshop: Workshop | None, subject: str, body: str, by
) -> Announcement:
    if workshop is not None and workshop.series_id != series.pk:
        raise ValidationError(_("That workshop is not in this series."))
    with transaction.atomic():
        announcement = Announcement(
            series=series, workshop=workshop, subject=subject.strip(), body=body.strip(), sent_by=by
        )
        announcement.full_clean()
        announcement.save()
        participants = list(announcement_recipients(series=series, workshop=workshop))
        queue_mail_bulk(
            [
                Message(
                    key=message_key("workshop-announcement", announcement.pk, participant.user_id),
                    user=participant.user,
                    template="workshops/announcement",
                    context={
                        "recipient_name": participant.user.full_name or participant.user.email,
                        "subject": announcement.subject,
                        "body": announcement.body,
                        "cohort": series.cohort,
                        "my_cohort_url": my_cohort_url(),
                    },
                    related=announcement,
                )
                for participant in participants
            ]
        )
        announcement.recipients = len(participants)
        announcement.save(update_fields=["recipients"])
    return announcement


# What staff see before anything goes out --------------------------------------------------


@dataclass(frozen=True)
class PlannedReminder:
    """One offset of one session: when it opens and where it stands.

    `state`: "planned" (opens later), "due" (open: the next planning run, within 10 minutes,
    queues it), "queued" (`queued` people were reminded at the session's current revision),
    "missed" (the session began before it was queued)."""

    offset_hours: int
    at: datetime
    state: str
    queued: int = 0


@dataclass(frozen=True)
class SessionPlan:
    session: Session
    coming: int
    reminders: list[PlannedReminder] = field(default_factory=list)


def session_reminder_plan(*, series: WorkshopSeries, now: datetime | None = None) -> list[SessionPlan]:
    """The series' sessions still to come, each with its reminders (the series' offsets) and the
    number of people coming; the same "open offset" rule as the planning above. Three queries,
    whatever the number of sessions and people."""
    now = now or timezone.now()
    offsets = offsets_for(series)
    sessions = list(
        Session.objects.filter(workshop__series=series, status=SessionStatus.SCHEDULED, starts_at__gt=now)
        .select_related("workshop")
        .order_by("starts_at", "pk")
    )
    coming = dict(
        Registration.objects.filter(workshop__series=series, rsvp=Rsvp.YES, participant__is_active=True)
        .values("workshop_id")
        .annotate(n=Count("pk"))
        .values_list("workshop_id", "n")
    )
    queued = {
        (session_id, offset, sequence): n
        for session_id, offset, sequence, n in SessionReminder.objects.filter(
            session__workshop__series=series, session__starts_at__gt=now
        )
        .values("session_id", "offset_hours", "sequence")
        .annotate(n=Count("pk"))
        .values_list("session_id", "offset_hours", "sequence", "n")
    }
    plans = []
    for session in sessions:
        reminders = []
        for offset in offsets:
            at = session.starts_at - timedelta(hours=offset)
            count = queued.get((session.pk, offset, session.sequence), 0)
            state = "queued" if count else ("planned" if at > now else "due")
            reminders.append(PlannedReminder(offset_hours=offset, at=at, state=state, queued=count))
        plans.append(SessionPlan(session=session, coming=coming.get(session.workshop_id, 0), reminders=reminders))
    return plans
