"""What participants do (RSVP, needs, feedback) and what staff do at the door (attendance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Participant
from workshops.enums import ATTENDED, AttendanceStatus, Rsvp
from workshops.models import Attendance, Feedback, Registration, Session, Workshop

LATE_AFTER = timedelta(minutes=15)
QR_SALT = "workshops.attendance"
QR_PREFIX = "WS1:"


def registration_answer(
    *,
    registration: Registration,
    rsvp: str,
    reason: str = "",
    needs_travel: bool = False,
    needs_accommodation: bool = False,
    travel_notes: str = "",
    dietary_needs: str = "",
) -> Registration:
    """A participant's answer: coming or not (a reason when not), and what they need."""
    if rsvp not in (Rsvp.YES, Rsvp.NO):
        raise ValidationError({"rsvp": _("Say whether you can come.")})
    if rsvp == Rsvp.NO and not reason.strip():
        raise ValidationError({"reason": _("Tell the team why you cannot come.")})
    registration.rsvp = rsvp
    registration.reason = reason.strip() if rsvp == Rsvp.NO else ""
    registration.needs_travel = needs_travel
    registration.needs_accommodation = needs_accommodation
    registration.travel_notes = travel_notes.strip()
    registration.dietary_needs = dietary_needs.strip()
    registration.responded_at = timezone.now()
    registration.full_clean()
    registration.save(
        update_fields=[
            "rsvp",
            "reason",
            "needs_travel",
            "needs_accommodation",
            "travel_notes",
            "dietary_needs",
            "responded_at",
        ]
    )
    return registration


def feedback_open(*, workshop: Workshop, now: datetime | None = None) -> bool:
    """Feedback opens when the workshop's first session has begun."""
    first = workshop.sessions.order_by("starts_at").values_list("starts_at", flat=True).first()
    return first is not None and first <= (now or timezone.now())


def feedback_submit(
    *, workshop: Workshop, participant: Participant, learned: str, will_try: str, rating: int
) -> Feedback:
    """Give (or change) one's feedback on a workshop."""
    if participant.cohort_id != workshop.series.cohort_id:
        raise ValidationError(_("You are not in this workshop's cohort."))
    if not feedback_open(workshop=workshop):
        raise ValidationError(_("Feedback opens when the workshop begins."))
    feedback = Feedback.objects.filter(workshop=workshop, participant=participant).first() or Feedback(
        workshop=workshop, participant=participant
    )
    feedback.learned, feedback.will_try, feedback.rating = learned.strip(), will_try.strip(), rating
    feedback.submitted_at = timezone.now()
    feedback.full_clean()
    feedback.save()
    return feedback


def qr_payload(participant: Participant) -> str:
    """What the participant's QR code says: their participation, signed so it cannot be guessed."""
    return QR_PREFIX + signing.dumps(participant.pk, salt=QR_SALT, compress=True)


def qr_participant_id(payload: str) -> int | None:
    payload = (payload or "").strip()
    if not payload.startswith(QR_PREFIX):
        return None
    try:
        value = signing.loads(payload[len(QR_PREFIX) :], salt=QR_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


@dataclass(frozen=True)
class Marked:
    attendance: Attendance
    changed: bool


def attendance_mark(*, session: Session, participant: Participant, status: str, by=None) -> Marked:
    """Staff set a participant's attendance at a session (from the list)."""
    if status not in AttendanceStatus.values:
        raise ValidationError(_("Choose present, late, excused or absent."))
    if participant.cohort_id != session.workshop.series.cohort_id:
        raise ValidationError(_("This person is not in the session's cohort."))
    with transaction.atomic():
        attendance = Attendance.objects.select_for_update().filter(session=session, participant=participant).first()
        if attendance is not None:
            if attendance.status == status:
                return Marked(attendance, False)
            attendance.status, attendance.marked_by, attendance.marked_at = status, by, timezone.now()
            attendance.save(update_fields=["status", "marked_by", "marked_at"])
            return Marked(attendance, True)
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    session=session, participant=participant, status=status, marked_by=by
                )
        except IntegrityError:  # marked by a colleague at the same moment: theirs stands
            return Marked(Attendance.objects.get(session=session, participant=participant), False)
        return Marked(attendance, True)


def attendance_scan(*, session: Session, payload: str, by=None, now: datetime | None = None) -> Marked:
    """A scanned (or typed) QR payload: present, or late after the first 15 minutes. Scanning
    someone already present or late changes nothing, so double scans are harmless."""
    participant_id = qr_participant_id(payload)
    participant = (
        Participant.objects.select_related("user").filter(pk=participant_id).first() if participant_id else None
    )
    if participant is None or participant.cohort_id != session.workshop.series.cohort_id:
        raise ValidationError(_("This code is not a participant of this cohort."))
    existing = Attendance.objects.filter(session=session, participant=participant).first()
    if existing is not None and existing.status in ATTENDED:
        return Marked(existing, False)
    now = now or timezone.now()
    status = AttendanceStatus.LATE if now > session.starts_at + LATE_AFTER else AttendanceStatus.PRESENT
    return attendance_mark(session=session, participant=participant, status=status, by=by)
