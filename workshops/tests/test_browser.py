"""Browser journeys in Chromium (phone viewport): staff create a series from the template and
move a session; a participant sees the timeline, adds a session to the calendar and gives
feedback; staff take attendance at the door from the list and by a QR payload.

Elements are found by test ids, names and URLs, not by translated text."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from cohorts import enums
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ParticipantFactory, ProgramFactory
from incubator.dates import BANGKOK
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory
from workshops.enums import AttendanceStatus
from workshops.models import Attendance, Feedback, Session, WorkshopSeries
from workshops.services.calendar import feed_get_or_create
from workshops.services.people import qr_payload
from workshops.services.series import series_create_from_template

pytestmark = pytest.mark.browser


def screenshot(page, name: str) -> None:
    """Set WORKSHOPS_SCREENSHOTS to a folder to keep full-page screenshots of the journeys."""
    if folder := os.environ.get("WORKSHOPS_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_test_id("signed-in-as")).to_be_attached()


def open_menu(page) -> None:
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()


def _program_with_staff():
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status=enums.CohortStatus.RUNNING, name="รุ่นที่ 5")
    staff = UserFactory(full_name="กิตติ ทีมโครงการ")
    staff_grant_program_role(user=staff, program=program)
    return program, cohort, staff


def test_staff_create_a_series_from_the_template_and_move_a_session(page):
    _program, cohort, staff = _program_with_staff()
    people = [ParticipantFactory(cohort=cohort, user=UserFactory(full_name=f"ผู้นำองค์กร {n}")) for n in range(2)]
    start = timezone.localdate() + timedelta(days=30)

    log_in(page, staff.email)
    open_menu(page)
    page.get_by_test_id("nav-workshops").click()
    page.get_by_test_id("cohort").locator("a").click()
    page.fill("input[name=starts_on]", start.isoformat())
    page.fill("input[name=venue]", "ศูนย์ประชุมขอนแก่น")
    page.locator("button[name=action][value=template]").click()
    expect(page.get_by_test_id("workshop")).to_have_count(3)
    expect(page.get_by_test_id("session")).to_have_count(12)
    screenshot(page, "workshops-series.png")
    series = WorkshopSeries.objects.get(cohort=cohort)
    assert series.workshops.get(order=2).starts_on == start + timedelta(weeks=8)

    session = Session.objects.filter(workshop__series=series).order_by("starts_at").first()
    feed = feed_get_or_create(user=people[0].user)
    page.get_by_test_id("move").first.click()
    new_day = start + timedelta(days=1)
    page.fill("input[name=starts_at_0]", new_day.isoformat())
    page.fill("input[name=starts_at_1]", "10:30")
    page.fill("input[name=ends_at_0]", new_day.isoformat())
    page.fill("input[name=ends_at_1]", "12:30")
    page.fill("textarea[name=reason]", "วิทยากรเดินทางล่าช้า")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("workshop")).to_have_count(3)

    notices = OutboundEmail.objects.filter(key__startswith=f"session-change:{session.pk}:")
    assert sorted(notices.values_list("to", flat=True)) == sorted(p.user.email for p in people)
    response = page.request.get(f"/calendar/{feed.token}.ics")
    events = {str(e["uid"]): e for e in Calendar.from_ical(response.body()).walk("VEVENT")}
    moved = next(e for uid, e in events.items() if uid.startswith(f"session-{session.pk}@"))
    begins = moved.decoded("dtstart").astimezone(BANGKOK)
    assert (begins.date(), begins.hour, begins.minute) == (new_day, 10, 30)
    assert int(moved["sequence"]) == 1


def test_participant_sees_the_timeline_adds_a_session_to_the_calendar_and_gives_feedback(page):
    _program, cohort, _staff = _program_with_staff()
    person = ParticipantFactory(cohort=cohort, user=UserFactory(full_name="มาลี ผู้นำองค์กร"))
    series = series_create_from_template(cohort=cohort, starts_on=timezone.localdate() - timedelta(days=3))
    first = series.workshops.get(order=1)

    log_in(page, person.user.email)
    open_menu(page)
    page.get_by_test_id("nav-my-cohort").click()
    expect(page.get_by_test_id("workshop")).to_have_count(3)
    expect(page.get_by_test_id("session")).to_have_count(12)
    expect(page.get_by_test_id("feedback-due")).to_be_visible()
    screenshot(page, "workshops-timeline.png")

    with page.expect_download() as download_info:
        page.get_by_test_id("add-to-calendar").last.click()
    download = download_info.value
    events = Calendar.from_ical(Path(download.path()).read_bytes()).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["uid"]).startswith("session-")

    page.get_by_test_id("feedback-due").locator("a").first.click()
    page.fill("textarea[name=learned]", "การคิดกลยุทธ์จากเป้าประสงค์ขององค์กร")
    page.fill("textarea[name=will_try]", "ทดลองแผนกับทีมในพื้นที่พังงา")
    page.locator("input[name=rating][value='5']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("feedback-due")).to_have_count(0)
    feedback = Feedback.objects.get(participant=person)
    assert (feedback.workshop, feedback.rating) == (first, 5)

    page.locator("a[href*='/workshops/check-in/']").click()
    qr = page.get_by_test_id("qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")  # the browser draws the code


def test_staff_take_attendance_on_a_phone_from_the_list_and_by_a_qr_payload(page):
    _program, cohort, staff = _program_with_staff()
    walk_in = ParticipantFactory(
        cohort=cohort, user=UserFactory(full_name="สมชาย ใจดี"), organisation=OrganisationFactory(name="วิสาหกิจชุมชนบ้านนา")
    )
    scanned = ParticipantFactory(cohort=cohort, user=UserFactory(full_name="ณัฐวุฒิ โคชพื้นที่"))
    series = series_create_from_template(cohort=cohort, starts_on=timezone.localdate())
    session = Session.objects.filter(workshop__series=series).order_by("starts_at").first()

    log_in(page, staff.email)
    page.goto(f"/staff/workshops/sessions/{session.pk}/attendance/")
    page.fill("input[name=q]", "บ้านนา")
    page.press("input[name=q]", "Enter")
    expect(page.get_by_test_id("person")).to_have_count(1)
    page.get_by_test_id("person").locator(f"button[value={AttendanceStatus.EXCUSED}]").click()
    expect(page.get_by_test_id("person").locator("button[aria-pressed=true]")).to_have_attribute(
        "value", AttendanceStatus.EXCUSED
    )

    screenshot(page, "workshops-attendance.png")
    payload = qr_payload(scanned)
    for _twice in range(2):  # a double scan is harmless
        page.fill("input[name=payload]", payload)
        page.locator("#scan-form button[type=submit]").click()
        expect(page.locator(".alert")).to_contain_text("ณัฐวุฒิ")
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {
        walk_in.pk: AttendanceStatus.EXCUSED,
        scanned.pk: Attendance.objects.get(participant=scanned).status,
    }
    assert Attendance.objects.get(participant=scanned).status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
    assert Attendance.objects.count() == 2
