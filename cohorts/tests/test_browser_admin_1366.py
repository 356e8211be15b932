"""Program staff on a 1366 x 768 laptop (issue 12, item 20): every changelist of applications
and their people fits the window, with no column behind a sideways scroll; the top menu of a
person with every role stays on one line. Set ADMIN_SCREENSHOTS to a folder to keep the
screenshots."""

import os
import re
from pathlib import Path

import pytest

from cohorts import enums
from cohorts.models import DeadlineReminder
from cohorts.services.reviews import review_assign, staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    OrganisationFactory,
    ParticipantFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
CHANGELISTS = [
    "cohorts/application",
    "cohorts/reviewassignment",
    "cohorts/cohort",
    "cohorts/program",
    "cohorts/organisation",
    "cohorts/participant",
    "cohorts/deadlinereminder",
    "incubator/outboundemail",
]


def _world():
    program = ProgramFactory(name="โครงการบ่มเพาะผู้ประกอบการสังคมภาคอีสาน")
    cohort = CohortFactory(program=program, name="รุ่นที่ 4 ปี 2569 (ภาคตะวันออกเฉียงเหนือ)")
    track = TrackFactory(cohort=cohort, kind=enums.TrackKind.ORGANISATION)
    staff = UserFactory(email="coordinator.northeast@incubator.example.org", full_name="ศิริพร ผู้ประสานงานโครงการ")
    staff_grant_program_role(user=staff, program=program)
    reviewer = UserFactory(email="reviewer.longname@university.example.ac.th", full_name="รองศาสตราจารย์ ดร.สมชาย ใจดี")
    for n in range(3):
        organisation = OrganisationFactory(
            name=f"วิสาหกิจชุมชนกลุ่มทอผ้าไหมบ้านหนองบัวลำภูเพื่อการพัฒนาอย่างยั่งยืน {n}", province="TH-39"
        )
        applicant = UserFactory(email=f"applicant{n}.with.a.long.address@community.example.org")
        application = SubmittedApplicationFactory(
            cohort=cohort, track=track, organisation=organisation, applicant=applicant
        )
        review_assign(application=application, reviewer=reviewer, by=staff)
        ParticipantFactory(cohort=cohort, organisation=organisation, user=applicant)
        DeadlineReminder.objects.create(application=application, offset_hours=168)
    return staff


def _log_in_admin(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_changelists_fit_a_1366_laptop_without_a_sideways_scroll(page):
    staff = _world()
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    page.set_viewport_size(LAPTOP)
    _log_in_admin(page, staff.email)
    overflowing = {}
    for changelist in CHANGELISTS:
        page.goto(f"/admin/{changelist}/")
        scroll = page.evaluate(
            """() => {
                const results = document.querySelector('#changelist .results')
                    || document.querySelector('#result_list');
                const page = document.documentElement;
                return {inner: results ? results.scrollWidth - results.clientWidth : 0,
                        page: page.scrollWidth - page.clientWidth};
            }"""
        )
        if folder := os.environ.get("ADMIN_SCREENSHOTS"):
            page.screenshot(path=str(Path(folder) / f"{changelist.replace('/', '_')}.png"))
        if scroll["inner"] > 0 or scroll["page"] > 0:
            overflowing[changelist] = scroll

    assert overflowing == {}


def test_the_top_menu_of_a_person_with_every_role_stays_on_one_line_at_1366(page):
    staff = _world()
    ParticipantFactory(user=staff)  # also takes part in a cohort: every item shows
    page.set_viewport_size(LAPTOP)
    _log_in_admin(page, staff.email)

    page.goto("/")
    tops = page.evaluate(
        "() => Array.from(document.querySelectorAll('#nav .nav-link, #nav .navbar-text'))"
        ".map(e => Math.round(e.getBoundingClientRect().top))"
    )
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('#nav .nav-link')).map(e => e.getBoundingClientRect().height)"
    )

    assert len(tops) >= 8
    assert max(tops) - min(tops) <= 8  # one line (the name and the buttons sit a few pixels apart)
    assert max(heights) < 48  # no item breaks onto a second line
