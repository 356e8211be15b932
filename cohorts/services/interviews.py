"""Interviews: staff publish slots, shortlisted applicants book, move and cancel one, the
panel scores, and the applicant is reminded.

Booking (`interview_book`, `interview_cancel`):
- Only the application's applicant, only while the application stands in that interview
  phase (`Application.phase`) and is still in selection (`DECIDABLE_STATUSES`).
- One booking per application and phase (a unique row): booking again is a move.
- A slot takes bookings until its cut-off, `phase.booking_cutoff_hours` before it starts; a
  booking can be moved or cancelled until the cut-off of the slot it is in. "Until" is strict,
  to the second: at the cut-off itself it is refused.
- The application's row, then the slots' rows (in id order, so two moves never deadlock) are
  locked; a full slot is refused with a message, and the database's check on
  `seats_taken <= capacity` stands behind the count.
- The slot's panel get `ReviewAssignment`s in the interview phase, so they score against the
  phase's rubric on the review pages. Moving to a slot with another panel deletes the
  pending (unscored) assignments of the old panel's members who are not on the new one and
  assigns the new ones; a scored (or conflicted) assignment is never deleted.
- Withdrawing the application releases its booking (`interview_bookings_release`, called by
  `application_withdraw`): the place is freed and the panel's pending reviews removed.
- Every version raises `sequence`: the confirmation email's key (`interview-booked:<id>:<seq>`,
  `interview-moved:...`, `interview-cancelled:...`) is sent once per version, and the calendar
  event (UID per booking) updates in place.

Reminders (`interview_reminders_plan`, Celery beat every 10 minutes), as the deadline and
session reminders, by time window plus "not yet queued", never by date equality:
- An offset `h` (`REMINDER_HOURS`: 24 and 2) is *open* for a booking once
  `slot.starts_at - h <= now < slot.starts_at`. The smallest open offset is the current one.
- Every live booking without an `InterviewReminder` for its current offset at its current
  `sequence` gets one email for it, and rows for that offset and every larger one: after a
  beat outage the applicant gets the nearest reminder only. The rows and the outbox rows (key
  `interview-reminder:<booking>:<offset>:<sequence>`) are written in one transaction; both
  unique constraints stand behind it, and one planner runs at a time (an advisory lock).
- A booking made or moved less than `h` before the interview counts offset `h` as covered by
  its confirmation (rows written with it), so nobody gets a confirmation and a reminder at once.
  A moved booking has a new `sequence`, so it is reminded again for its new time.
- Only live bookings of applications still in that interview phase and in selection, of
  active people, are reminded; a booking moved or cancelled while the planner waited for its
  row is judged by what it is once the planner holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.access import is_staff_of_program
from cohorts.enums import PhaseKind, ReviewState
from cohorts.models import (
    Application,
    BookingStatus,
    InterviewBooking,
    InterviewReminder,
    InterviewSlot,
    Phase,
    ReviewAssignment,
)
from cohorts.models.interviews import SLOT_CAPACITY_MAX
from cohorts.services.reviews import review_assign
from cohorts.services.selection import DECIDABLE_STATUSES, application_lock
from incubator.dates import BANGKOK, DateRangeValidator, format_date
from incubator.db import insert_from_select
from incubator.links import absolute_url
from incubator.mail import message_key, queue_mail, queue_mail_from_rows, recipient_name
from incubator.validators import history_reason

logger = logging.getLogger(__name__)

REMINDER_HOURS = (24, 2)
REMINDER_TEMPLATE = "cohorts/interview_reminder"
REMINDER_KEY = "interview-reminder"
SLOTS_PER_RUN_MAX = 40
LENGTH_MINUTES_MIN = 5
LENGTH_MINUTES_MAX = 8 * 60
# First key of the PostgreSQL advisory lock that lets one reminder planner run at a time.
LOCK_NAMESPACE = 0x494E5456  # "INTV"

TEMPLATES = {
    "booked": "cohorts/interview_booked",
    "moved": "cohorts/interview_moved",
    "cancelled": "cohorts/interview_cancelled",
}


# --- Rules the pages also show ---------------------------------------------------------------


def booking_closes_at(slot: InterviewSlot) -> datetime:
    """The moment from which `slot` takes no booking and its bookings can no longer move."""
    return slot.starts_at - timedelta(hours=slot.phase.booking_cutoff_hours)


def slot_is_open(slot: InterviewSlot, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) < booking_closes_at(slot)


def booking_can_change(booking: InterviewBooking | None, *, now: datetime | None = None) -> bool:
    """Whether the applicant can still move or cancel `booking` (a live one, before its cut-off)."""
    return booking is not None and booking.slot is not None and slot_is_open(booking.slot, now=now)


def _ensure_interview_phase(phase: Phase) -> None:
    if phase.kind != PhaseKind.INTERVIEW:
        raise ValidationError(_("This phase is not an interview phase."), code="not_interview")


# --- Staff: slots ----------------------------------------------------------------------------


def interview_slots_publish(
    *,
    phase: Phase,
    by,
    date: date,
    first_start: time,
    length_minutes: int,
    count: int,
    place: str = "",
    online_url: str = "",
    panel: Iterable = (),
    capacity: int = 1,
    gap_minutes: int = 0,
    note: str = "",
) -> list[InterviewSlot]:
    """Publish `count` slots of `length_minutes` on `date`, the first at `first_start`
    (Bangkok time), `gap_minutes` apart, each for `capacity` applicants, scored by `panel`.
    All or nothing: a bad value raises ValidationError (keyed by field) and creates nothing."""
    if not is_staff_of_program(user=by, program_id=phase.cohort.program_id):
        raise PermissionDenied("Only the program's staff publish interview slots.")
    _ensure_interview_phase(phase)
    place, online_url, note = (place or "").strip(), (online_url or "").strip(), (note or "").strip()
    errors: dict[str, list] = {}
    if not LENGTH_MINUTES_MIN <= length_minutes <= LENGTH_MINUTES_MAX:
        errors["length_minutes"] = [
            _("An interview lasts from %(low)s to %(high)s minutes.")
            % {"low": LENGTH_MINUTES_MIN, "high": LENGTH_MINUTES_MAX}
        ]
    if not 1 <= count <= SLOTS_PER_RUN_MAX:
        errors["count"] = [_("Publish from 1 to %(max)s slots at a time.") % {"max": SLOTS_PER_RUN_MAX}]
    if not 0 <= gap_minutes <= LENGTH_MINUTES_MAX:
        errors["gap_minutes"] = [
            _("The break between interviews is at most %(max)s minutes.") % {"max": LENGTH_MINUTES_MAX}
        ]
    if not 1 <= capacity <= SLOT_CAPACITY_MAX:
        errors["capacity"] = [_("A slot has from 1 to %(max)s places.") % {"max": SLOT_CAPACITY_MAX}]
    if not place and not online_url:
        errors["place"] = [_("Give a place, an online meeting link, or both.")]
    try:
        DateRangeValidator()(date)
    except ValidationError as error:
        errors["date"] = error.messages
    if errors:
        raise ValidationError(errors)
    first = datetime.combine(date, first_start, tzinfo=BANGKOK)
    if first <= timezone.now():
        raise ValidationError({"first_start": [_("The first interview must be in the future.")]})
    panel = [person for person in panel if person.is_active]
    slots = []
    for index in range(count):
        starts_at = first + timedelta(minutes=index * (length_minutes + gap_minutes))
        slot = InterviewSlot(
            phase=phase,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=length_minutes),
            place=place,
            online_url=online_url,
            capacity=capacity,
            note=note,
            created_by=by,
        )
        slot.full_clean(exclude=["phase", "created_by"], validate_constraints=False)
        slots.append(slot)
    with transaction.atomic():
        slots = InterviewSlot.objects.bulk_create(slots)
        through = InterviewSlot.panel.through
        through.objects.bulk_create(
            [through(interviewslot_id=slot.pk, user_id=person.pk) for slot in slots for person in panel]
        )
    return slots


def interview_slot_delete(*, slot: InterviewSlot, by) -> None:
    """Delete a slot nobody has booked (a booked one is refused with a message)."""
    if not is_staff_of_program(user=by, program_id=slot.phase.cohort.program_id):
        raise PermissionDenied("Only the program's staff delete interview slots.")
    with transaction.atomic():
        locked = InterviewSlot.objects.select_for_update().filter(pk=slot.pk).first()
        if locked is None:
            return
        if locked.seats_taken or InterviewBooking.objects.filter(slot=locked).exists():
            raise ValidationError(_("Someone has booked this slot: it cannot be deleted."), code="booked")
        locked.delete()


# --- Applicants: booking ---------------------------------------------------------------------


def _ensure_applicant(application: Application, by) -> None:
    if not (by.is_authenticated and application.applicant_id == by.pk):
        raise PermissionDenied("Only the applicant books their interview.")


def _closed_error(slot: InterviewSlot, *, moving: bool) -> ValidationError:
    closes = format_date(booking_closes_at(slot), with_time=True)
    if moving:
        return ValidationError(
            _("Your interview can no longer be changed: changes closed on %(closes)s (Bangkok time)."),
            code="cutoff",
            params={"closes": closes},
        )
    return ValidationError(
        _("This slot no longer takes bookings: booking closed on %(closes)s (Bangkok time)."),
        code="slot_closed",
        params={"closes": closes},
    )


def _lock_slots(pks: Sequence[int]) -> dict[int, InterviewSlot]:
    slots = (
        InterviewSlot.objects.select_for_update(of=("self",))
        .select_related("phase__cohort__program")
        .filter(pk__in=sorted(set(pks)))
        .order_by("pk")
    )
    return {slot.pk: slot for slot in slots}


def _panel_ids(slot: InterviewSlot | None) -> set[int]:
    if slot is None:
        return set()
    return set(slot.panel.filter(is_active=True).values_list("pk", flat=True))


def _panel_reviews_follow(
    *, application: Application, phase: Phase, old: InterviewSlot | None, new: InterviewSlot | None, by
) -> None:
    """The interview phase's reviews follow the booking from `old`'s panel to `new`'s."""
    old_panel, new_panel = _panel_ids(old), _panel_ids(new)
    leaving = old_panel - new_panel
    if leaving:
        ReviewAssignment.objects.filter(
            application=application, phase=phase, reviewer_id__in=leaving, state=ReviewState.PENDING
        ).delete()
    if new is not None:
        for person in new.panel.filter(is_active=True).exclude(pk=application.applicant_id).order_by("pk"):
            review_assign(application=application, reviewer=person, by=by, phase=phase)


def _save_booking(booking: InterviewBooking, *, by, reason: str, fields: list[str] | None) -> None:
    booking.full_clean(exclude=["application", "phase", "slot"], validate_unique=False, validate_constraints=False)
    booking._history_user = by
    booking._change_reason = history_reason(reason)
    if fields is None:
        booking.save()
    else:
        booking.save(update_fields=fields)


def _cover_open_offsets(booking: InterviewBooking, *, now: datetime) -> None:
    """Offsets already open at the booking's (new) time are covered by its confirmation."""
    starts_at = booking.slot.starts_at
    InterviewReminder.objects.bulk_create(
        [
            InterviewReminder(booking=booking, offset_hours=hours, sequence=booking.sequence, queued_at=now)
            for hours in REMINDER_HOURS
            if starts_at - timedelta(hours=hours) <= now
        ],
        ignore_conflicts=True,
    )


def interview_book(*, application: Application, slot: InterviewSlot, by) -> InterviewBooking:
    """Book `slot` for `application`, or move its booking there. Returns the booking.
    Raises ValidationError with a message for the applicant (and changes nothing) when the
    slot is full or closed, the booking can no longer move, or the application is not in
    that interview phase."""
    _ensure_applicant(application, by)
    with transaction.atomic():
        locked = application_lock(application)
        phase = slot.phase
        if locked.phase_id != slot.phase_id or phase.kind != PhaseKind.INTERVIEW:
            raise ValidationError(_("This interview is not open to your application."), code="wrong_phase")
        if locked.status not in DECIDABLE_STATUSES:
            raise ValidationError(
                _("Your application is %(status)s: interviews are only for applications still in selection."),
                code="not_in_selection",
                params={"status": locked.get_status_display()},
            )
        booking = (
            InterviewBooking.objects.select_for_update(of=("self",)).filter(application=locked, phase=phase).first()
        )
        old_id = booking.slot_id if booking is not None else None
        if old_id == slot.pk:
            return booking
        slots = _lock_slots([pk for pk in (old_id, slot.pk) if pk is not None])
        new = slots.get(slot.pk)
        old = slots.get(old_id) if old_id is not None else None
        if new is None:
            raise ValidationError(_("This slot no longer exists. Please choose another."), code="gone")
        now = timezone.now()
        if old is not None and not slot_is_open(old, now=now):
            raise _closed_error(old, moving=True)
        if not slot_is_open(new, now=now):
            raise _closed_error(new, moving=False)
        if new.seats_taken >= new.capacity:
            raise ValidationError(_("This slot is full. Please choose another time."), code="full")
        InterviewSlot.objects.filter(pk=new.pk).update(seats_taken=F("seats_taken") + 1)
        if old is not None:
            InterviewSlot.objects.filter(pk=old.pk).update(seats_taken=F("seats_taken") - 1)
        if booking is None:
            booking = InterviewBooking(application=locked, phase=phase, slot=new, booked_at=now)
            _save_booking(booking, by=by, reason="booked", fields=None)
            kind = "booked"
        else:
            kind = "moved" if old is not None else "booked"
            booking.slot = new
            booking.status = BookingStatus.BOOKED
            booking.sequence += 1
            booking.booked_at = now
            booking.cancelled_at = None
            _save_booking(
                booking, by=by, reason=kind, fields=["slot", "status", "sequence", "booked_at", "cancelled_at"]
            )
        _panel_reviews_follow(application=locked, phase=phase, old=old, new=new, by=by)
        _cover_open_offsets(booking, now=now)
        _queue_notice(booking, application=locked, kind=kind, previous=old)
    application.status = locked.status
    return booking


def interview_cancel(*, booking: InterviewBooking, by) -> InterviewBooking:
    """Cancel the booking (until its slot's cut-off); the place is freed and the panel's
    pending reviews removed. Cancelling a cancelled booking changes nothing."""
    _ensure_applicant(booking.application, by)
    with transaction.atomic():
        locked_application = application_lock(booking.application)
        booking = InterviewBooking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if booking.slot_id is None:
            return booking
        old = _lock_slots([booking.slot_id])[booking.slot_id]
        now = timezone.now()
        if not slot_is_open(old, now=now):
            raise _closed_error(old, moving=True)
        InterviewSlot.objects.filter(pk=old.pk).update(seats_taken=F("seats_taken") - 1)
        booking.slot = None
        booking.status = BookingStatus.CANCELLED
        booking.sequence += 1
        booking.cancelled_at = now
        _save_booking(booking, by=by, reason="cancelled", fields=["slot", "status", "sequence", "cancelled_at"])
        _panel_reviews_follow(application=locked_application, phase=old.phase, old=old, new=None, by=by)
        _queue_notice(booking, application=locked_application, kind="cancelled", previous=old)
    return booking


def interview_bookings_release(*, application: Application, by) -> int:
    """The application left the selection (withdrawn): its live bookings are cancelled, their
    places freed and the panel's pending reviews removed, whatever the cut-off, without an
    email (the applicant knows). Call inside the transaction that changed the application.
    Returns how many bookings were released."""
    released = 0
    for booking in InterviewBooking.objects.select_for_update(of=("self",)).filter(
        application=application, slot__isnull=False
    ):
        old = _lock_slots([booking.slot_id])[booking.slot_id]
        InterviewSlot.objects.filter(pk=old.pk).update(seats_taken=F("seats_taken") - 1)
        booking.slot = None
        booking.status = BookingStatus.CANCELLED
        booking.sequence += 1
        booking.cancelled_at = timezone.now()
        _save_booking(
            booking, by=by, reason="application withdrawn", fields=["slot", "status", "sequence", "cancelled_at"]
        )
        _panel_reviews_follow(application=application, phase=old.phase, old=old, new=None, by=by)
        released += 1
    return released


def interview_page_url(application_id: int) -> str:
    return absolute_url("cohorts:interview_book", pk=application_id)


def interview_ics_url(application_id: int) -> str:
    return absolute_url("cohorts:interview_ics", pk=application_id)


def _slot_context(slot: InterviewSlot | None) -> dict:
    if slot is None:
        return {}
    return {
        "starts_at": timezone.localtime(slot.starts_at, BANGKOK),
        "ends_at": timezone.localtime(slot.ends_at, BANGKOK),
        "place": slot.place,
        "online_url": slot.online_url,
        "note": slot.note,
    }


def _queue_notice(booking: InterviewBooking, *, application: Application, kind: str, previous) -> None:
    applicant = application.applicant
    phase = booking.phase
    queue_mail(
        key=message_key(f"interview-{kind}", booking.pk, booking.sequence),
        to=applicant.email,
        template=TEMPLATES[kind],
        context={
            "recipient_name": applicant.full_name or applicant.email,
            "program_name": application.cohort.program.display_name,
            "cohort_name": application.cohort.name,
            "phase_name": phase.display_name,
            "slot": _slot_context(booking.slot),
            "previous": _slot_context(previous),
            "changes_close": booking_closes_at(booking.slot) if booking.slot is not None else None,
            "interview_url": interview_page_url(application.pk),
            "ics_url": interview_ics_url(application.pk),
        },
        user=applicant,
        related=booking,
    )


# --- Reminders -------------------------------------------------------------------------------


def interview_reminders_plan(*, now: datetime | None = None) -> int:
    """Queue the interview reminders that are due at `now`; returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        _lock_planning()
        covered: set[int] = set()
        # Smallest offset first: a booking due for it is not also reminded for a larger one.
        for hours in sorted(REMINDER_HOURS):
            queued += _plan_offset(hours=hours, now=now, skip=covered)
    if queued:
        logger.info("Interview reminders: %s queued.", queued)
    return queued


def _lock_planning() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::integer, 0)", [LOCK_NAMESPACE])


def _plan_offset(*, hours: int, now: datetime, skip: set[int]) -> int:
    due = (
        InterviewBooking.objects.filter(
            status=BookingStatus.BOOKED,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + timedelta(hours=hours),
            application__phase_id=F("phase_id"),
            application__status__in=DECIDABLE_STATUSES,
            application__applicant__is_active=True,
        )
        .exclude(
            Exists(
                InterviewReminder.objects.filter(
                    booking=OuterRef("pk"), offset_hours=hours, sequence=OuterRef("sequence")
                )
            )
        )
        .exclude(pk__in=skip)
        .order_by("pk")
    )
    locking = due.select_for_update(of=("self",)) if connection.features.has_select_for_update_of else due
    locked = list(locking.values_list("pk", flat=True))
    if not locked:
        return 0
    # Read again now that the rows are ours: a booking moved or cancelled while we waited for
    # its lock is judged (and its email written) by what it is now.
    rows = list(due.filter(pk__in=locked).values_list("pk", "slot_id"))
    if not rows:
        return 0
    ids = [pk for pk, _slot in rows]
    skip.update(ids)
    bookings = InterviewBooking.objects.filter(pk__in=ids)
    queued_at = Value(timezone.now(), output_field=DateTimeField())
    for offset in [h for h in REMINDER_HOURS if h >= hours]:
        insert_from_select(
            model=InterviewReminder,
            values={
                "booking": F("pk"),
                "offset_hours": Value(offset),
                "sequence": F("sequence"),
                "queued_at": queued_at,
            },
            source=bookings,
        )
    slots = {
        slot.pk: slot
        for slot in InterviewSlot.objects.select_related("phase__cohort__program").filter(
            pk__in={slot_id for _pk, slot_id in rows}
        )
    }

    def variant(slot: InterviewSlot):
        def context(marks):
            return {
                "recipient_name": marks["recipient_name"],
                "program_name": slot.phase.cohort.program.display_name,
                "cohort_name": slot.phase.cohort.name,
                "phase_name": slot.phase.display_name,
                "slot": _slot_context(slot),
                "hours": hours,
                "interview_url": absolute_url(f"/applications/{marks['application_id']}/interview/"),
                "ics_url": absolute_url(f"/applications/{marks['application_id']}/interview/calendar.ics"),
            }

        return context

    ordered = sorted(slots.values(), key=lambda slot: slot.pk)
    queue_mail_from_rows(
        bookings,
        key=[REMINDER_KEY, F("pk"), hours, F("sequence")],
        recipient="application__applicant",
        template=REMINDER_TEMPLATE,
        variants=[(Q(slot_id=slot.pk), variant(slot)) for slot in ordered],
        per_person={"recipient_name": recipient_name("application__applicant"), "application_id": F("application_id")},
    )
    return len(ids)


def reminder_key(*, booking_id: int, offset_hours: int, sequence: int) -> str:
    return message_key(REMINDER_KEY, booking_id, offset_hours, sequence)
