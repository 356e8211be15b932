"""A shortlisted applicant books an interview on a phone, moves it and adds it to the
calendar, in Thai (the default language), in Chromium against the live server."""

import datetime as dt
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from cohorts.enums import ApplicationStatus, PhaseKind
from cohorts.models import InterviewBooking, InterviewSlot
from cohorts.tests.factories import PhaseFactory, SubmittedApplicationFactory
from incubator.dates import BANGKOK, format_date
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_shortlisted_applicant_books_moves_and_downloads_the_calendar_entry_on_a_phone(page):
    assert page.viewport_size == {"width": 390, "height": 844}
    applicant = UserFactory(full_name="วิไล ผู้นำชุมชน")
    application = SubmittedApplicationFactory(applicant=applicant, status=ApplicationStatus.SHORTLISTED)
    phase = PhaseFactory(cohort=application.cohort, kind=PhaseKind.INTERVIEW, name="สัมภาษณ์", booking_cutoff_hours=24)
    application.phase = phase
    application.save(update_fields=["phase"])
    day = timezone.localdate() + timedelta(days=5)
    slots = []
    for hour in (9, 10):
        starts_at = dt.datetime.combine(day, dt.time(hour), tzinfo=BANGKOK)
        slots.append(
            InterviewSlot.objects.create(
                phase=phase,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=30),
                place="ห้องประชุมมูลนิธิ ชั้น 2",
                online_url="https://meet.example.org/panel",
            )
        )
    first, second = slots

    log_in(page, applicant.email)
    page.goto(application.get_absolute_url())
    page.get_by_test_id("interview-link").click()

    # The open times, grouped by day, in Thai with the Buddhist Era year.
    day_section = page.get_by_test_id("slot-day")
    expect(day_section).to_have_count(1)
    expect(day_section.locator("h3")).to_contain_text(format_date(day, language="th"))
    expect(day_section.locator("h3")).to_contain_text(str(day.year + 543))

    page.get_by_test_id(f"book-slot-{first.pk}").click()
    expect(page.get_by_test_id("booked-time")).to_contain_text("09:00")
    expect(page.get_by_test_id("online-link")).to_have_attribute("href", "https://meet.example.org/panel")
    expect(page.get_by_test_id("cutoff")).to_contain_text(str(day.year + 543))

    # Moves it to the other time: the booked one is no longer offered, the new one is shown.
    expect(page.get_by_test_id(f"book-slot-{first.pk}")).to_have_count(0)
    page.get_by_test_id(f"book-slot-{second.pk}").click()
    expect(page.get_by_test_id("booked-time")).to_contain_text("10:00")

    with page.expect_download() as download_info:
        page.get_by_test_id("ics-link").click()
    event = Calendar.from_ical(Path(download_info.value.path()).read_bytes()).walk("VEVENT")[0]

    booking = InterviewBooking.objects.get(application=application)
    assert (booking.slot_id, booking.sequence) == (second.pk, 1)
    assert str(event["UID"]).startswith(f"interview-{booking.pk}@")
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == second.starts_at.astimezone(BANGKOK)
    assert list(
        OutboundEmail.objects.filter(key__startswith="interview-").order_by("pk").values_list("key", flat=True)
    ) == [f"interview-booked:{booking.pk}:0", f"interview-moved:{booking.pk}:1"]
