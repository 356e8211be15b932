"""Issue 12, items 18-19, in Chromium: a participant on a phone finds the cohort but no coaching
item, and the calendar and RSVP links never break inside; staff see the reminders that will go
out, with Buddhist Era dates, and a year 9999 gets a message."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts import enums
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ParticipantFactory, ProgramFactory
from incubator.tests.factories import PASSWORD, UserFactory
from workshops.services.series import series_create_from_template

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def open_menu(page) -> None:
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()


def _series():
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status=enums.CohortStatus.RUNNING)
    staff = UserFactory(full_name="ศิริพร ผู้ประสานงาน")
    staff_grant_program_role(user=staff, program=program)
    participant = ParticipantFactory(
        cohort=cohort,
        role=enums.ParticipantRole.INTRAPRENEUR,
        user=UserFactory(full_name="มาลี ใจงาม"),
        organisation=OrganisationFactory(),
    )
    series = series_create_from_template(cohort=cohort, starts_on=timezone.localdate() + timedelta(days=10))
    return staff, participant, series


def test_a_participant_on_a_phone_finds_the_cohort_no_coaching_and_whole_links(page):
    _staff, participant, _series_ = _series()
    page.set_viewport_size(PHONE)
    log_in(page, participant.user.email)

    open_menu(page)
    expect(page.get_by_test_id("nav-my-cohort")).to_be_visible()
    expect(page.get_by_test_id("nav-coaching")).to_have_count(0)
    expect(page.get_by_test_id("nav-reviews")).to_have_count(0)
    page.get_by_test_id("nav-my-cohort").click()
    page.wait_for_url("**/workshops/")

    links = page.get_by_test_id("add-to-calendar")
    expect(links.first).to_be_visible()
    line = page.evaluate("() => parseFloat(getComputedStyle(document.body).lineHeight) || 24")
    heights = [box["height"] for box in (links.nth(i).bounding_box() for i in range(links.count()))]
    rsvp = page.get_by_test_id("rsvp-link").first.bounding_box()
    assert max(heights) < line * 1.6  # one line each: never "เพิ่มลง / ปฏิทิน"
    assert rsvp["height"] < line * 1.6


def test_staff_see_the_reminders_that_will_go_out_and_a_year_9999_gets_a_message(page):
    staff, _participant, series = _series()
    new_cohort = CohortFactory(program=series.cohort.program, status=enums.CohortStatus.RUNNING)
    log_in(page, staff.email)

    page.goto(f"/staff/workshops/series/{series.pk}/")
    page.get_by_test_id("reminders-link").click()
    page.wait_for_url(f"**/staff/workshops/series/{series.pk}/reminders/")
    plans = page.get_by_test_id("session-plan")
    expect(plans).to_have_count(12)
    first = plans.first.get_by_test_id("reminder")
    expect(first).to_have_count(3)
    buddhist_year = str(series.starts_on.year + 543)
    expect(first.first).to_contain_text(buddhist_year)
    expect(first.first).to_have_attribute("data-state", "planned")

    page.goto(f"/staff/workshops/cohort/{new_cohort.pk}/new/")
    page.fill("#id_starts_on", "9999-12-01")
    page.locator("button[name=action][value=template]").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("2200")
    expect(page.locator("#id_starts_on")).to_have_value("9999-12-01")
