"""Reviewer reminders in Chromium: a reviewer on a phone follows the reminder's link to their
review list and finds what it counted; program staff, on a laptop, see in the admin who was
reminded, at which offset and when."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.enums import ReviewState
from cohorts.services.review_reminders import review_reminders_plan
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    PhaseFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
)
from cohorts.tests.test_browser_selection import DESKTOP, log_in
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_reviewer_follows_the_reminder_and_staff_see_who_was_reminded(page, live_server):
    program = ProgramFactory(name="ระบบบ่มเพาะนวัตกรรมสังคม")
    cohort = CohortFactory(program=program, name="รุ่นที่ 3")
    now = timezone.now()
    phase = PhaseFactory(cohort=cohort, name="รอบพิจารณาข้อเสนอ", review_deadline=now + timedelta(hours=20))
    reviewer = UserFactory(full_name="สมศรี ผู้พิจารณา")
    for name in ["กลุ่มปูม้า", "กลุ่มผ้าทอ"]:
        application = SubmittedApplicationFactory(cohort=cohort, applicant__full_name=name)
        ReviewAssignmentFactory(application=application, phase=phase, reviewer=reviewer)
    done = SubmittedApplicationFactory(cohort=cohort, applicant__full_name="กลุ่มป่าชุมชน")
    ReviewAssignmentFactory(application=done, phase=phase, reviewer=reviewer, state=ReviewState.COMPLETED)
    staff = UserFactory(full_name="กิตติ ทีมโครงการ")
    staff_grant_program_role(user=staff, program=program)

    assert review_reminders_plan(now=now) == 1
    email = OutboundEmail.objects.get(to=reviewer.email)
    link = re.search(re.escape(settings.SITE_URL) + r"\S+", email.body_text).group(0)

    # The reviewer, on a phone: the link opens their list, with the two reviews still to score.
    log_in(page, reviewer.email)
    page.goto(urlsplit(link).path)
    expect(page.get_by_test_id("pending-count")).to_contain_text("2")
    expect(page.locator("main")).to_contain_text("กลุ่มปูม้า")

    # Staff, on a laptop: the admin lists the reviewer, reminded one day before, with 2 pending.
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto("/admin/cohorts/reviewreminder/?emailed__exact=1")
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("สมศรี ผู้พิจารณา")
    expect(row).to_contain_text("รอบพิจารณาข้อเสนอ")
    expect(row.locator("td.field-offset_days")).to_have_text("1")
    expect(row.locator("td.field-pending")).to_have_text("2")
