"""Interviews, services on the real database: publishing slots, booking, moving and cancelling
(capacity under concurrency, the cut-off to the second), the panel's reviews following the
booking, confirmations once per version, reminders once per booking and offset, the .ics."""

import datetime as dt
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from icalendar import Calendar

from cohorts.enums import ApplicationStatus, PhaseKind, ReviewState
from cohorts.models import BookingStatus, InterviewBooking, InterviewReminder, InterviewSlot, ReviewAssignment
from cohorts.services.interview_calendar import booking_ics
from cohorts.services.interviews import (
    interview_book,
    interview_cancel,
    interview_reminders_plan,
    interview_slot_delete,
    interview_slots_publish,
)
from cohorts.services.reviews import review_submit_scores
from cohorts.tests.factories import (
    CriterionFactory,
    PhaseFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
)
from incubator.calendar import calendar_host
from incubator.dates import BANGKOK
from incubator.models import OutboundEmail
from incubator.tests.factories import StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

# A Monday in Bangkok, far enough ahead for every cut-off.
DAY = dt.date(2030, 3, 4)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BANGKOK)


def make_phase(**kwargs):
    application = SubmittedApplicationFactory()
    cohort = application.cohort
    PhaseFactory(cohort=cohort, order=1, kind=PhaseKind.REVIEW)
    phase = PhaseFactory(cohort=cohort, order=2, kind=PhaseKind.INTERVIEW, booking_cutoff_hours=24, **kwargs)
    return phase


def shortlisted(phase, **kwargs):
    return SubmittedApplicationFactory(cohort=phase.cohort, status=ApplicationStatus.SHORTLISTED, phase=phase, **kwargs)


def slot(phase, starts_at, *, capacity=1, panel=(), place="ห้องประชุม 2 มูลนิธิ"):
    made = InterviewSlot.objects.create(
        phase=phase, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30), place=place, capacity=capacity
    )
    made.panel.set(panel)
    return made


@pytest.fixture
def phase():
    return make_phase()


@pytest.fixture
def applicant_app(phase):
    return shortlisted(phase)


# --- Publishing ------------------------------------------------------------------------------


def test_publish_makes_a_run_of_slots_in_bangkok_time_with_the_panel(phase):
    staff = StaffFactory()
    phase.cohort.program.staff.add(staff)
    panelist = UserFactory()

    slots = interview_slots_publish(
        phase=phase,
        by=staff,
        date=DAY,
        first_start=dt.time(9, 0),
        length_minutes=30,
        gap_minutes=10,
        count=3,
        place="ห้องประชุม",
        online_url="",
        panel=[panelist],
    )

    assert [s.starts_at.astimezone(BANGKOK).strftime("%H:%M") for s in slots] == ["09:00", "09:40", "10:20"]
    assert slots[0].starts_at == dt.datetime(2030, 3, 4, 2, 0, tzinfo=dt.UTC)
    assert [list(s.panel.all()) for s in InterviewSlot.objects.order_by("starts_at")] == [[panelist]] * 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"place": "", "online_url": ""}, "place"),
        ({"count": 0}, "count"),
        ({"count": 41}, "count"),
        ({"length_minutes": 2}, "length_minutes"),
        ({"date": dt.date(2020, 1, 1)}, "first_start"),
        ({"date": dt.date(9999, 1, 1)}, "date"),
    ],
)
def test_publish_refuses_bad_input_and_creates_nothing(phase, changes, field):
    staff = SuperuserFactory()
    kwargs = {
        "date": DAY,
        "first_start": dt.time(9, 0),
        "length_minutes": 30,
        "count": 3,
        "place": "ห้อง 1",
        "online_url": "",
        "panel": [],
    }
    kwargs.update(changes)

    with pytest.raises(ValidationError) as caught:
        interview_slots_publish(phase=phase, by=staff, **kwargs)

    assert field in caught.value.message_dict
    assert InterviewSlot.objects.count() == 0


def test_publish_by_staff_of_another_program_is_refused(phase):
    other = StaffFactory()
    ProgramFactory().staff.add(other)

    with pytest.raises(PermissionDenied):
        interview_slots_publish(
            phase=phase, by=other, date=DAY, first_start=dt.time(9), length_minutes=30, count=1, place="x"
        )


def test_publish_on_a_phase_that_is_not_an_interview_is_refused():
    review_phase = PhaseFactory(kind=PhaseKind.REVIEW)

    with pytest.raises(ValidationError):
        interview_slots_publish(
            phase=review_phase,
            by=SuperuserFactory(),
            date=DAY,
            first_start=dt.time(9),
            length_minutes=30,
            count=1,
            place="x",
        )


def test_the_database_refuses_a_slot_over_capacity(phase):
    made = slot(phase, at(9))

    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewSlot.objects.filter(pk=made.pk).update(seats_taken=2)


def test_a_booked_slot_cannot_be_deleted_an_unbooked_one_can(phase, applicant_app):
    staff = SuperuserFactory()
    booked, free = slot(phase, at(9)), slot(phase, at(10))
    interview_book(application=applicant_app, slot=booked, by=applicant_app.applicant)

    with pytest.raises(ValidationError):
        interview_slot_delete(slot=booked, by=staff)
    interview_slot_delete(slot=free, by=staff)

    assert list(InterviewSlot.objects.values_list("pk", flat=True)) == [booked.pk]


# --- Booking ---------------------------------------------------------------------------------


def test_booking_takes_a_place_assigns_the_panel_in_the_phase_and_confirms_once(phase, applicant_app):
    panelist = UserFactory()
    chosen = slot(phase, at(9), panel=[panelist])

    booking = interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)
    again = interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)

    assert again.pk == booking.pk
    assert InterviewSlot.objects.get(pk=chosen.pk).seats_taken == 1
    assert list(ReviewAssignment.objects.values_list("reviewer_id", "phase_id", "state")) == [
        (panelist.pk, phase.pk, ReviewState.PENDING)
    ]
    emails = OutboundEmail.objects.filter(key__startswith="interview-")
    assert list(emails.values_list("key", flat=True)) == [f"interview-booked:{booking.pk}:0"]
    assert "ห้องประชุม 2 มูลนิธิ" in emails.get().body_text
    assert "2573" in emails.get().body_text  # Buddhist Era year in the Thai email


def test_a_full_slot_is_refused_with_a_message_and_nothing_changes(phase, applicant_app):
    chosen = slot(phase, at(9), capacity=1)
    first = shortlisted(phase)
    interview_book(application=first, slot=chosen, by=first.applicant)

    with pytest.raises(ValidationError) as caught:
        interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)

    assert caught.value.code == "full"
    assert InterviewBooking.objects.filter(application=applicant_app).count() == 0
    assert InterviewSlot.objects.get(pk=chosen.pk).seats_taken == 1


def test_only_the_applicant_books(phase, applicant_app):
    chosen = slot(phase, at(9))

    for someone in (UserFactory(), SuperuserFactory(), shortlisted(phase).applicant):
        with pytest.raises(PermissionDenied):
            interview_book(application=applicant_app, slot=chosen, by=someone)
    assert InterviewBooking.objects.count() == 0


def test_an_application_not_in_the_interview_phase_or_out_of_selection_cannot_book(phase):
    chosen = slot(phase, at(9))
    elsewhere = SubmittedApplicationFactory(cohort=phase.cohort, status=ApplicationStatus.UNDER_REVIEW)
    rejected = shortlisted(phase)
    rejected.status = ApplicationStatus.REJECTED
    rejected.save(update_fields=["status"])

    with pytest.raises(ValidationError) as wrong_phase:
        interview_book(application=elsewhere, slot=chosen, by=elsewhere.applicant)
    with pytest.raises(ValidationError) as out:
        interview_book(application=rejected, slot=chosen, by=rejected.applicant)

    assert (wrong_phase.value.code, out.value.code) == ("wrong_phase", "not_in_selection")
    assert InterviewBooking.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_applicants_racing_for_the_last_place_one_gets_it_the_other_a_message():
    phase = make_phase()
    last = slot(phase, at(9), capacity=1)
    applications = [shortlisted(phase), shortlisted(phase)]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def book(application_id: int) -> None:
        from cohorts.models import Application

        try:
            own = Application.objects.get(pk=application_id)
            own_slot = InterviewSlot.objects.select_related("phase").get(pk=last.pk)
            barrier.wait(timeout=10)
            interview_book(application=own, slot=own_slot, by=own.applicant)
            results.append("booked")
        except ValidationError as error:
            results.append(error.code)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(a.pk,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["booked", "full"]
    assert InterviewSlot.objects.get(pk=last.pk).seats_taken == 1
    assert InterviewBooking.objects.filter(status=BookingStatus.BOOKED).count() == 1


# --- Cut-off ---------------------------------------------------------------------------------


def test_moving_is_allowed_until_the_cutoff_of_the_current_slot_to_the_second(phase, applicant_app):
    current, later = slot(phase, at(9)), slot(phase, at(9, day=DAY + timedelta(days=7)))
    other = slot(phase, at(10, day=DAY + timedelta(days=7)))
    cutoff = at(9) - timedelta(hours=24)
    with time_machine.travel(cutoff - timedelta(days=3), tick=False):
        interview_book(application=applicant_app, slot=current, by=applicant_app.applicant)

    with time_machine.travel(cutoff, tick=False):
        with pytest.raises(ValidationError) as caught:
            interview_book(application=applicant_app, slot=later, by=applicant_app.applicant)
        with pytest.raises(ValidationError):
            interview_cancel(
                booking=InterviewBooking.objects.select_related("application").get(), by=applicant_app.applicant
            )
    assert caught.value.code == "cutoff"
    assert InterviewBooking.objects.get().slot_id == current.pk

    with time_machine.travel(cutoff - timedelta(seconds=1), tick=False):
        interview_book(application=applicant_app, slot=other, by=applicant_app.applicant)
    assert InterviewBooking.objects.get().slot_id == other.pk


def test_a_slot_takes_bookings_until_its_own_cutoff_to_the_second(phase, applicant_app):
    chosen = slot(phase, at(9))
    cutoff = at(9) - timedelta(hours=24)

    with time_machine.travel(cutoff, tick=False), pytest.raises(ValidationError) as caught:
        interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)
    assert caught.value.code == "slot_closed"

    with time_machine.travel(cutoff - timedelta(seconds=1), tick=False):
        interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)
    assert InterviewBooking.objects.get().slot_id == chosen.pk


def test_a_move_to_a_slot_past_its_cutoff_is_refused(phase, applicant_app):
    soon, far = slot(phase, at(9)), slot(phase, at(9, day=DAY + timedelta(days=7)))
    with time_machine.travel(at(9) - timedelta(days=3), tick=False):
        interview_book(application=applicant_app, slot=far, by=applicant_app.applicant)
    with time_machine.travel(at(9) - timedelta(hours=23), tick=False), pytest.raises(ValidationError) as caught:
        interview_book(application=applicant_app, slot=soon, by=applicant_app.applicant)
    assert caught.value.code == "slot_closed"
    assert InterviewBooking.objects.get().slot_id == far.pk


# --- Moving and cancelling -------------------------------------------------------------------


def test_moving_keeps_one_booking_moves_pending_panel_reviews_and_never_deletes_a_scored_one(phase, applicant_app):
    criterion = CriterionFactory(cohort=phase.cohort, phase=phase)
    stays, scores, leaves, joins = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    first = slot(phase, at(9), panel=[stays, scores, leaves])
    second = slot(phase, at(10), panel=[stays, joins])
    booking = interview_book(application=applicant_app, slot=first, by=applicant_app.applicant)
    scored = ReviewAssignment.objects.get(reviewer=scores)
    review_submit_scores(review=scored, by=scores, scores={criterion.pk: 4})

    moved = interview_book(application=applicant_app, slot=second, by=applicant_app.applicant)

    assert moved.pk == booking.pk
    assert InterviewBooking.objects.count() == 1
    assert (moved.sequence, moved.slot_id) == (1, second.pk)
    assert sorted(ReviewAssignment.objects.filter(phase=phase).values_list("reviewer_id", "state")) == sorted(
        [(stays.pk, ReviewState.PENDING), (scores.pk, ReviewState.COMPLETED), (joins.pk, ReviewState.PENDING)]
    )
    assert [s.seats_taken for s in InterviewSlot.objects.order_by("starts_at")] == [0, 1]
    assert list(
        OutboundEmail.objects.filter(key__startswith="interview-").order_by("pk").values_list("key", flat=True)
    ) == [f"interview-booked:{booking.pk}:0", f"interview-moved:{booking.pk}:1"]
    reasons = list(booking.history.order_by("history_date", "history_id").values_list("history_change_reason", "slot"))
    assert reasons == [("booked", first.pk), ("moved", second.pk)]


def test_cancel_frees_the_place_removes_pending_reviews_and_booking_again_is_a_new_version(phase, applicant_app):
    panelist = UserFactory()
    first = slot(phase, at(9), panel=[panelist])
    booking = interview_book(application=applicant_app, slot=first, by=applicant_app.applicant)
    booking.application = applicant_app

    cancelled = interview_cancel(booking=booking, by=applicant_app.applicant)
    interview_cancel(booking=cancelled, by=applicant_app.applicant)  # twice: nothing more

    assert (cancelled.status, cancelled.slot_id, cancelled.sequence) == (BookingStatus.CANCELLED, None, 1)
    assert InterviewSlot.objects.get(pk=first.pk).seats_taken == 0
    assert ReviewAssignment.objects.count() == 0

    again = interview_book(application=applicant_app, slot=first, by=applicant_app.applicant)
    assert (again.pk, again.sequence, again.status) == (booking.pk, 2, BookingStatus.BOOKED)
    assert list(
        OutboundEmail.objects.filter(key__startswith="interview-").order_by("pk").values_list("key", flat=True)
    ) == [
        f"interview-booked:{booking.pk}:0",
        f"interview-cancelled:{booking.pk}:1",
        f"interview-booked:{booking.pk}:2",
    ]


# --- Reminders -------------------------------------------------------------------------------


def reminder_keys():
    return list(
        OutboundEmail.objects.filter(key__startswith="interview-reminder:").order_by("pk").values_list("key", flat=True)
    )


def test_reminders_go_once_per_booking_and_offset_across_repeated_runs(phase, applicant_app):
    chosen = slot(phase, at(9))
    with time_machine.travel(at(9) - timedelta(days=5), tick=False):
        booking = interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)

    assert interview_reminders_plan(now=at(9) - timedelta(hours=25)) == 0
    assert interview_reminders_plan(now=at(9) - timedelta(hours=23, minutes=55)) == 1
    assert interview_reminders_plan(now=at(9) - timedelta(hours=23, minutes=55)) == 0  # doubled beat
    assert interview_reminders_plan(now=at(9) - timedelta(hours=3)) == 0
    assert interview_reminders_plan(now=at(9) - timedelta(hours=1, minutes=50)) == 1
    assert interview_reminders_plan(now=at(9) - timedelta(hours=1)) == 0
    assert interview_reminders_plan(now=at(9) + timedelta(minutes=1)) == 0

    assert reminder_keys() == [f"interview-reminder:{booking.pk}:24:0", f"interview-reminder:{booking.pk}:2:0"]
    email = OutboundEmail.objects.get(key=f"interview-reminder:{booking.pk}:2:0")
    assert email.to == applicant_app.applicant.email
    assert applicant_app.applicant.full_name in email.body_text
    assert f"/applications/{applicant_app.pk}/interview/" in email.body_text
    assert "4 มีนาคม 2573, 09:00" in email.body_text


def test_a_late_beat_sends_only_the_nearest_reminder_and_never_the_passed_one(phase, applicant_app):
    chosen = slot(phase, at(9))
    with time_machine.travel(at(9) - timedelta(days=5), tick=False):
        booking = interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)

    assert interview_reminders_plan(now=at(9) - timedelta(hours=1)) == 1
    assert interview_reminders_plan(now=at(9) - timedelta(minutes=30)) == 0

    assert reminder_keys() == [f"interview-reminder:{booking.pk}:2:0"]
    assert sorted(InterviewReminder.objects.values_list("offset_hours", "sequence")) == [(2, 0), (24, 0)]


def test_a_moved_booking_is_reminded_for_its_new_time(phase, applicant_app):
    first = slot(phase, at(9))
    later_day = DAY + timedelta(days=7)
    second = slot(phase, at(14, day=later_day))
    with time_machine.travel(at(9) - timedelta(days=5), tick=False):
        booking = interview_book(application=applicant_app, slot=first, by=applicant_app.applicant)
    assert interview_reminders_plan(now=at(9) - timedelta(hours=30)) == 0
    with time_machine.travel(at(9) - timedelta(hours=30), tick=False):
        interview_book(application=applicant_app, slot=second, by=applicant_app.applicant)

    # Nothing at the old time; the new time's reminders, once each.
    assert interview_reminders_plan(now=at(9) - timedelta(hours=1)) == 0
    assert interview_reminders_plan(now=at(14, day=later_day) - timedelta(hours=20)) == 1
    assert interview_reminders_plan(now=at(14, day=later_day) - timedelta(hours=20)) == 0
    assert interview_reminders_plan(now=at(14, day=later_day) - timedelta(hours=1)) == 1

    assert reminder_keys() == [f"interview-reminder:{booking.pk}:24:1", f"interview-reminder:{booking.pk}:2:1"]
    body = OutboundEmail.objects.get(key=f"interview-reminder:{booking.pk}:24:1").body_text
    assert "11 มีนาคม 2573, 14:00" in body


def test_a_booking_made_inside_an_offset_is_covered_by_its_confirmation(applicant_app):
    phase = applicant_app.phase
    phase.booking_cutoff_hours = 3
    phase.save(update_fields=["booking_cutoff_hours"])
    chosen = slot(phase, at(9))
    with time_machine.travel(at(9) - timedelta(hours=10), tick=False):
        booking = interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)

    assert interview_reminders_plan(now=at(9) - timedelta(hours=9)) == 0
    assert interview_reminders_plan(now=at(9) - timedelta(hours=1)) == 1
    assert reminder_keys() == [f"interview-reminder:{booking.pk}:2:0"]


def test_cancelled_withdrawn_and_moved_on_bookings_are_not_reminded(phase, applicant_app):
    chosen = slot(phase, at(9), capacity=2)
    other = shortlisted(phase)
    with time_machine.travel(at(9) - timedelta(days=5), tick=False):
        booking = interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)
        interview_book(application=other, slot=chosen, by=other.applicant)
        booking.application = applicant_app
        interview_cancel(booking=booking, by=applicant_app.applicant)
    other.status = ApplicationStatus.WITHDRAWN
    other.save(update_fields=["status"])
    moved_on = shortlisted(phase)
    with time_machine.travel(at(9) - timedelta(days=5), tick=False):
        interview_book(application=moved_on, slot=slot(phase, at(11)), by=moved_on.applicant)
    moved_on.phase = PhaseFactory(cohort=phase.cohort, kind=PhaseKind.DECISION)
    moved_on.save(update_fields=["phase"])

    assert interview_reminders_plan(now=at(9) - timedelta(hours=1)) == 0
    assert reminder_keys() == []


# --- Calendar entry --------------------------------------------------------------------------


def test_ics_keeps_its_uid_raises_sequence_on_a_move_and_is_in_bangkok_time(phase, applicant_app):
    first = slot(phase, at(9))
    second = slot(phase, at(13, 30))
    second.online_url = "https://meet.example.org/interview"
    second.save(update_fields=["online_url"])
    booking = interview_book(application=applicant_app, slot=first, by=applicant_app.applicant)
    booking.application = applicant_app
    before = Calendar.from_ical(booking_ics(booking, language="th")).walk("VEVENT")[0]

    booking = interview_book(application=applicant_app, slot=second, by=applicant_app.applicant)
    booking.application = applicant_app
    after_bytes = booking_ics(booking, language="th")
    after = Calendar.from_ical(after_bytes).walk("VEVENT")[0]

    assert str(before["UID"]) == str(after["UID"]) == f"interview-{booking.pk}@{calendar_host()}"
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.decoded("DTSTART") == at(13, 30)
    assert b"DTSTART;TZID=Asia/Bangkok:20300304T133000" in after_bytes
    assert "https://meet.example.org/interview" in str(after["LOCATION"])
    assert str(after["STATUS"]) == "CONFIRMED"

    booking = interview_cancel(booking=booking, by=applicant_app.applicant)
    booking.application = applicant_app
    cancelled = Calendar.from_ical(booking_ics(booking, language="th")).walk("VEVENT")[0]
    assert (str(cancelled["STATUS"]), cancelled["SEQUENCE"], str(cancelled["UID"])) == (
        "CANCELLED",
        2,
        str(after["UID"]),
    )


def test_pdpa_download_holds_the_persons_interview_booking_and_nobody_elses(phase, applicant_app):
    from cohorts.pdpa import personal_data

    mine, theirs = slot(phase, at(9)), slot(phase, at(10), place="ห้องของคนอื่น")
    other = shortlisted(phase)
    interview_book(application=applicant_app, slot=mine, by=applicant_app.applicant)
    interview_book(application=other, slot=theirs, by=other.applicant)

    data = personal_data(applicant_app.applicant)

    section = next(section for section in data.sections if section.key == "interview_bookings")
    assert [(row["slot_id"], row["place"]) for row in section.rows] == [(mine.pk, "ห้องประชุม 2 มูลนิธิ")]


def test_withdrawing_frees_the_place_and_the_panels_pending_reviews_without_an_email(phase, applicant_app):
    from cohorts.services.applications import application_withdraw

    panelist = UserFactory()
    chosen = slot(phase, at(9), panel=[panelist])
    booking = interview_book(application=applicant_app, slot=chosen, by=applicant_app.applicant)

    application_withdraw(application=applicant_app, by=applicant_app.applicant)

    booking.refresh_from_db()
    assert (booking.status, booking.slot_id, booking.sequence) == (BookingStatus.CANCELLED, None, 1)
    assert InterviewSlot.objects.get(pk=chosen.pk).seats_taken == 0
    assert ReviewAssignment.objects.count() == 0
    assert list(OutboundEmail.objects.filter(key__startswith="interview-").values_list("key", flat=True)) == [
        f"interview-booked:{booking.pk}:0"
    ]
