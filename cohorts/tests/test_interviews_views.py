"""Interview pages: who may see and change what (404 for everyone else, nothing leaked), bad
input gets a message and changes nothing, flat query counts, the .ics download."""

import datetime as dt
from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from cohorts.enums import ApplicationStatus, PhaseKind
from cohorts.models import InterviewBooking, InterviewSlot
from cohorts.services.interviews import interview_book
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import PhaseFactory, ProgramFactory, SubmittedApplicationFactory
from incubator.dates import BANGKOK
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)
APPLICANT_NAME = "สมหญิง ผู้สมัครสัมภาษณ์"


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BANGKOK)


def make_slot(phase, starts_at, *, capacity=1, panel=()):
    slot = InterviewSlot.objects.create(
        phase=phase,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        place="ห้องประชุมชั้น 3",
        online_url="https://meet.example.org/room",
        capacity=capacity,
    )
    slot.panel.set(panel)
    return slot


@pytest.fixture
def world():
    program = ProgramFactory()
    application = SubmittedApplicationFactory(
        cohort__program=program, status=ApplicationStatus.SHORTLISTED, applicant__full_name=APPLICANT_NAME
    )
    phase = PhaseFactory(cohort=application.cohort, kind=PhaseKind.INTERVIEW, booking_cutoff_hours=24)
    application.phase = phase
    application.save(update_fields=["phase"])
    panelist = UserFactory(full_name="กรรมการ สัมภาษณ์")
    slots = [
        make_slot(phase, at(9), panel=[panelist]),
        make_slot(phase, at(10)),
        make_slot(phase, at(9, day=DAY + timedelta(days=1))),
    ]
    program_staff = UserFactory()
    staff_grant_program_role(user=program_staff, program=program)
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=ProgramFactory())
    other_applicant = SubmittedApplicationFactory(
        cohort=application.cohort, status=ApplicationStatus.SHORTLISTED, phase=phase
    ).applicant
    return {
        "application": application,
        "phase": phase,
        "slots": slots,
        "panelist": panelist,
        "users": {
            "anonymous": None,
            "applicant": application.applicant,
            "another_applicant": other_applicant,
            "panelist": panelist,
            "staff_other_program": other_staff,
            "program_staff": program_staff,
            "superuser": SuperuserFactory(),
        },
    }


def login(client, user):
    if user is not None:
        client.force_login(user)


# --- Permission matrix -----------------------------------------------------------------------


APPLICANT_PAGE = {
    "anonymous": 302,
    "applicant": 200,
    "another_applicant": 404,
    "panelist": 404,
    "staff_other_program": 404,
    "program_staff": 404,
    "superuser": 404,
}


@pytest.mark.parametrize(("who", "expected"), APPLICANT_PAGE.items())
def test_booking_page_is_the_applicants_alone(client, world, who, expected):
    login(client, world["users"][who])

    response = client.get(reverse("cohorts:interview_book", kwargs={"pk": world["application"].pk}))

    assert response.status_code == expected
    if expected != 200:
        assert APPLICANT_NAME.encode() not in response.content
    if who == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("who", "expected"), APPLICANT_PAGE.items())
def test_booking_post_by_anyone_else_changes_nothing(client, world, who, expected):
    login(client, world["users"][who])

    response = client.post(
        reverse("cohorts:interview_book", kwargs={"pk": world["application"].pk}),
        {"action": "book", "slot": world["slots"][0].pk},
    )

    assert response.status_code == (302 if expected == 200 else expected)
    booked = InterviewBooking.objects.filter(application=world["application"]).count()
    assert booked == (1 if who == "applicant" else 0)


@pytest.mark.parametrize(("who", "expected"), APPLICANT_PAGE.items())
def test_calendar_entry_is_the_applicants_alone(client, world, who, expected):
    application = world["application"]
    interview_book(application=application, slot=world["slots"][0], by=application.applicant)
    login(client, world["users"][who])

    response = client.get(reverse("cohorts:interview_ics", kwargs={"pk": application.pk}))

    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        event = Calendar.from_ical(response.content).walk("VEVENT")[0]
        assert event.decoded("DTSTART") == at(9)
    else:
        assert b"VCALENDAR" not in response.content


STAFF_PAGE = {
    "anonymous": 302,
    "applicant": 404,
    "another_applicant": 404,
    "panelist": 404,
    "staff_other_program": 404,
    "program_staff": 200,
    "superuser": 200,
}


@pytest.mark.parametrize(("who", "expected"), STAFF_PAGE.items())
def test_slots_page_is_for_the_programs_staff(client, world, who, expected):
    application = world["application"]
    interview_book(application=application, slot=world["slots"][0], by=application.applicant)
    login(client, world["users"][who])

    response = client.get(reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk}))

    assert response.status_code == expected
    assert (APPLICANT_NAME.encode() in response.content) == (expected == 200)


@pytest.mark.parametrize(("who", "expected"), STAFF_PAGE.items())
def test_slot_delete_by_anyone_but_the_programs_staff_changes_nothing(client, world, who, expected):
    login(client, world["users"][who])
    free = world["slots"][1]

    response = client.post(
        reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk}), {"action": "delete", "slot": free.pk}
    )

    assert response.status_code == (302 if expected == 200 else expected)
    assert InterviewSlot.objects.filter(pk=free.pk).exists() == (expected != 200)


def test_slots_page_of_a_phase_that_is_not_an_interview_is_404(client, world):
    review_phase = PhaseFactory(cohort=world["application"].cohort, kind=PhaseKind.REVIEW)
    client.force_login(world["users"]["program_staff"])

    response = client.get(reverse("cohorts:interview_slots", kwargs={"pk": review_phase.pk}))

    assert response.status_code == 404


def test_booking_page_of_an_application_not_at_an_interview_is_404(client, world):
    application = world["application"]
    application.phase = PhaseFactory(cohort=application.cohort, kind=PhaseKind.REVIEW)
    application.save(update_fields=["phase"])
    client.force_login(application.applicant)

    assert client.get(reverse("cohorts:interview_book", kwargs={"pk": application.pk})).status_code == 404
    assert client.get(reverse("cohorts:interview_ics", kwargs={"pk": application.pk})).status_code == 404


def test_calendar_entry_without_a_booking_is_404(client, world):
    client.force_login(world["application"].applicant)

    response = client.get(reverse("cohorts:interview_ics", kwargs={"pk": world["application"].pk}))

    assert response.status_code == 404


# --- Staff: publishing and deleting ------------------------------------------------------------


def publish_data(**changes):
    data = {
        "action": "publish",
        "date": "2030-03-05",
        "first_start": "13:00",
        "length_minutes": "20",
        "gap_minutes": "5",
        "count": "4",
        "capacity": "1",
        "place": "ห้องประชุมใหญ่",
        "online_url": "",
        "note": "",
    }
    data.update(changes)
    return data


def test_staff_publish_a_run_of_slots_with_a_panel(client, world, english):
    client.force_login(world["users"]["program_staff"])
    url = reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk})

    response = client.post(url, publish_data(panel=[world["users"]["program_staff"].pk]))

    assert response.status_code == 302
    new = InterviewSlot.objects.exclude(pk__in=[slot.pk for slot in world["slots"]]).order_by("starts_at")
    assert [slot.starts_at.astimezone(BANGKOK).strftime("%H:%M") for slot in new] == [
        "13:00",
        "13:25",
        "13:50",
        "14:15",
    ]
    assert all(list(slot.panel.all()) == [world["users"]["program_staff"]] for slot in new)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"place": ""}, "Give a place, an online meeting link, or both."),
        ({"date": "2030-13-01"}, "Enter a valid date."),
        ({"date": "9999-01-01"}, "Please give a date between the years"),
        ({"date": "2020-01-01"}, "The first interview must be in the future."),
        ({"count": "500"}, "Ensure this value is less than or equal to 40."),
        ({"place": "ห้อง\x00"}, "Null characters are not allowed."),
        ({"online_url": "not a link at all"}, "Enter a valid URL."),
    ],
)
def test_staff_bad_input_gets_a_message_on_the_form_and_creates_nothing(client, world, english, changes, message):
    client.force_login(world["users"]["program_staff"])
    before = InterviewSlot.objects.count()

    response = client.post(
        reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk}), publish_data(**changes)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert InterviewSlot.objects.count() == before


def test_staff_cannot_delete_a_booked_slot(client, world, english):
    application = world["application"]
    booked = world["slots"][0]
    interview_book(application=application, slot=booked, by=application.applicant)
    client.force_login(world["users"]["program_staff"])

    response = client.post(
        reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk}),
        {"action": "delete", "slot": booked.pk},
        follow=True,
    )

    assert "Someone has booked this slot" in response.content.decode()
    assert InterviewSlot.objects.filter(pk=booked.pk).exists()


def test_staff_delete_of_a_slot_of_another_phase_is_404(client, world):
    other_phase = PhaseFactory(kind=PhaseKind.INTERVIEW)
    stranger = make_slot(other_phase, at(9))
    client.force_login(world["users"]["program_staff"])

    response = client.post(
        reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk}), {"action": "delete", "slot": stranger.pk}
    )

    assert response.status_code == 404
    assert InterviewSlot.objects.filter(pk=stranger.pk).exists()


# --- Applicant: booking, moving, cancelling ---------------------------------------------------


def test_applicant_books_moves_and_cancels(client, world, english):
    application = world["application"]
    first, second, _third = world["slots"]
    client.force_login(application.applicant)
    url = reverse("cohorts:interview_book", kwargs={"pk": application.pk})

    page = client.get(url).content.decode()
    assert f'data-testid="book-slot-{first.pk}"' in page
    assert "Monday 4 March 2030" in page

    client.post(url, {"action": "book", "slot": first.pk})
    page = client.get(url).content.decode()
    assert 'data-testid="booked-slot"' in page
    assert "https://meet.example.org/room" in page
    assert "You can move or cancel it until 3 March 2030, 09:00" in page
    assert reverse("cohorts:interview_ics", kwargs={"pk": application.pk}) in page

    client.post(url, {"action": "book", "slot": second.pk})
    booking = InterviewBooking.objects.get(application=application)
    assert (booking.slot_id, booking.sequence) == (second.pk, 1)

    client.post(url, {"action": "cancel"})
    booking.refresh_from_db()
    assert booking.slot_id is None
    assert InterviewSlot.objects.get(pk=second.pk).seats_taken == 0


def test_applicant_booking_twice_from_two_tabs_keeps_one_booking_and_one_email(client, world, english):
    from incubator.models import OutboundEmail

    application = world["application"]
    chosen = world["slots"][0]
    client.force_login(application.applicant)
    url = reverse("cohorts:interview_book", kwargs={"pk": application.pk})

    first = client.post(url, {"action": "book", "slot": chosen.pk})
    second = client.post(url, {"action": "book", "slot": chosen.pk}, follow=True)

    assert first.status_code == 302
    assert "This is already your interview time." in second.content.decode()
    booking = InterviewBooking.objects.get(application=application)
    assert (booking.slot_id, booking.sequence) == (chosen.pk, 0)
    assert OutboundEmail.objects.filter(key__startswith="interview-").count() == 1


def test_applicant_choosing_a_full_slot_gets_a_message_and_nothing_changes(client, world, english):
    application = world["application"]
    full = world["slots"][0]
    interview_book(
        application=world["users"]["another_applicant"].applications.get(),
        slot=full,
        by=world["users"]["another_applicant"],
    )
    client.force_login(application.applicant)

    response = client.post(
        reverse("cohorts:interview_book", kwargs={"pk": application.pk}), {"action": "book", "slot": full.pk}
    )

    assert response.status_code == 400
    assert "That time is no longer open. Please choose another." in response.content.decode()
    assert not InterviewBooking.objects.filter(application=application).exists()


@pytest.mark.parametrize("slot_value", ["", "abc", "99999999999999999999999", "-1"])
def test_applicant_garbage_slot_gets_a_message(client, world, english, slot_value):
    application = world["application"]
    client.force_login(application.applicant)

    response = client.post(
        reverse("cohorts:interview_book", kwargs={"pk": application.pk}), {"action": "book", "slot": slot_value}
    )

    assert response.status_code == 400
    assert not InterviewBooking.objects.exists()


def test_application_page_links_the_booking_page_only_at_an_interview(client, world):
    application = world["application"]
    client.force_login(application.applicant)
    link = reverse("cohorts:interview_book", kwargs={"pk": application.pk})

    assert link in client.get(application.get_absolute_url()).content.decode()

    application.phase = None
    application.save(update_fields=["phase"])
    assert link not in client.get(application.get_absolute_url()).content.decode()


# --- Query counts ------------------------------------------------------------------------------


def _many(world, count):
    phase = world["phase"]
    for index in range(count):
        slot = make_slot(
            phase, at(8, day=DAY + timedelta(days=2 + index)), capacity=2, panel=[world["panelist"], UserFactory()]
        )
        for _ in range(2):
            other = SubmittedApplicationFactory(cohort=phase.cohort, status=ApplicationStatus.SHORTLISTED, phase=phase)
            interview_book(application=other, slot=slot, by=other.applicant)


@pytest.mark.parametrize("extra", [0, 6])
def test_slots_page_query_count_is_flat(client, world, django_assert_num_queries, extra):
    _many(world, extra)
    client.force_login(world["users"]["program_staff"])
    url = reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk})

    with django_assert_num_queries(8):  # session, user, phase, slots, panels, bookings, messages
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["slots"]) == 3 + extra


@pytest.mark.parametrize("extra", [0, 6])
def test_booking_page_query_count_is_flat(client, world, django_assert_num_queries, extra):
    phase = world["phase"]
    for index in range(extra):
        make_slot(phase, at(11, day=DAY + timedelta(days=3 + index)))
    application = world["application"]
    interview_book(application=application, slot=world["slots"][0], by=application.applicant)
    client.force_login(application.applicant)
    url = reverse("cohorts:interview_book", kwargs={"pk": application.pk})

    with django_assert_num_queries(5):
        response = client.get(url)

    assert response.status_code == 200
    assert sum(len(slots) for _day, slots in response.context["days"]) == 2 + extra


# --- Admin (read-only) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [("program_staff", True), ("staff_other_program", False), ("superuser", True)],
)
def test_admin_lists_slots_and_bookings_of_the_staffs_programs_only(client, world, who, sees):
    application = world["application"]
    booking = interview_book(application=application, slot=world["slots"][0], by=application.applicant)
    without_slots = PhaseFactory(cohort=application.cohort, kind=PhaseKind.INTERVIEW)
    client.force_login(world["users"][who])

    slots = client.get(reverse("admin:cohorts_interviewslot_changelist"))
    bookings = client.get(reverse("admin:cohorts_interviewbooking_changelist"))
    history = client.get(reverse("admin:cohorts_interviewbooking_history", args=[booking.pk]))

    assert (slots.status_code, bookings.status_code) == (200, 200)
    assert (slots.context["cl"].result_count, bookings.context["cl"].result_count) == ((3, 1) if sees else (0, 0))
    assert (APPLICANT_NAME.encode() in bookings.content) == sees
    assert history.status_code == (200 if sees else 404)
    link = reverse("cohorts:interview_slots", kwargs={"pk": world["phase"].pk})
    assert (link in slots.content.decode()) == sees
    assert (reverse("cohorts:interview_slots", kwargs={"pk": without_slots.pk}) in slots.content.decode()) == sees


@pytest.mark.parametrize("extra", [0, 6])
@pytest.mark.parametrize(
    ("url_name", "queries"),
    [("admin:cohorts_interviewslot_changelist", 12), ("admin:cohorts_interviewbooking_changelist", 9)],
)
def test_admin_changelist_query_count_is_flat(client, world, django_assert_num_queries, extra, url_name, queries):
    application = world["application"]
    interview_book(application=application, slot=world["slots"][0], by=application.applicant)
    _many(world, extra)
    client.force_login(world["users"]["program_staff"])

    with django_assert_num_queries(queries):
        response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1 + extra


# --- Beat --------------------------------------------------------------------------------------


def test_beat_runs_the_interview_reminder_task_every_ten_minutes(settings, world):
    import time_machine

    from cohorts.tasks import plan_interview_reminders

    entry = settings.CELERY_BEAT_SCHEDULE["interview-reminders"]
    assert (entry["task"], entry["schedule"]) == ("cohorts.plan_interview_reminders", timedelta(minutes=10))
    application = world["application"]
    interview_book(application=application, slot=world["slots"][0], by=application.applicant)

    with time_machine.travel(at(9) - timedelta(hours=20), tick=False):
        assert plan_interview_reminders.delay().get() == 1
        assert plan_interview_reminders.delay().get() == 0


def test_demo_has_an_interview_phase_with_slots_and_a_booking_staff_can_see(client):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())

    booking = InterviewBooking.objects.select_related("application__applicant", "phase").get()
    phase = booking.phase
    client.force_login(phase.cohort.program.staff.order_by("pk").first())
    response = client.get(reverse("cohorts:interview_slots", kwargs={"pk": phase.pk}))

    assert InterviewSlot.objects.filter(phase=phase).count() == 4
    assert response.status_code == 200
    assert booking.application.applicant.full_name in response.content.decode()


def test_panel_member_finds_the_interview_in_the_review_list_and_scores_it_against_the_phase_rubric(client, world):
    from cohorts.models import ReviewAssignment
    from cohorts.tests.factories import CriterionFactory

    application = world["application"]
    criterion = CriterionFactory(cohort=application.cohort, phase=world["phase"], name="การสื่อสารแนวคิด")
    CriterionFactory(cohort=application.cohort, phase=None, name="เกณฑ์ที่ไม่ใช้ในรอบนี้")
    interview_book(application=application, slot=world["slots"][0], by=application.applicant)
    review = ReviewAssignment.objects.get(reviewer=world["panelist"], phase=world["phase"])
    client.force_login(world["panelist"])

    listing = client.get(reverse("cohorts:review_list")).content.decode()
    detail = client.get(reverse("cohorts:review_detail", kwargs={"pk": review.pk})).content.decode()
    response = client.post(
        reverse("cohorts:review_detail", kwargs={"pk": review.pk}), {f"score_{criterion.pk}": "4", "comment": ""}
    )

    assert reverse("cohorts:review_detail", kwargs={"pk": review.pk}) in listing
    assert "การสื่อสารแนวคิด" in detail
    assert "เกณฑ์ที่ไม่ใช้ในรอบนี้" not in detail
    assert response.status_code == 302
    review.refresh_from_db()
    assert list(review.scores.values_list("criterion_id", "score")) == [(criterion.pk, 4)]
