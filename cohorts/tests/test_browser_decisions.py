"""Staged decisions in Chromium: program staff stage accept, waitlist and reject, preview one
person's email, send the batch after one confirmation and read the summary; the outbox then
holds exactly one decision email per person (and none before). Then the accepted applicant,
on a phone, gives up the place and the first on the waiting list moves up.

Elements are found by test ids, field names and values, not by translated text."""

import re

import pytest
from playwright.sync_api import expect

from cohorts.enums import ApplicationStatus
from cohorts.models import Application
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, ProgramFactory, SubmittedApplicationFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_test_id("signed-in-as")).to_be_attached()


def log_out(page) -> None:
    page.context.clear_cookies()


def decision_emails():
    return OutboundEmail.objects.filter(key__startswith="decision:")


def test_staff_stage_preview_and_send_decisions_then_a_declined_place_moves_the_waitlist_up(page):
    program = ProgramFactory(name="ระบบบ่มเพาะกิจการเพื่อสังคม", name_en="Social Incubator")
    cohort = CohortFactory(program=program, name="รุ่นที่ 5", waitlist_auto_promote=True)
    staff = UserFactory(email="lead@example.org", full_name="ชไมพร ผู้ประสานงาน")
    staff_grant_program_role(user=staff, program=program)
    accepted = SubmittedApplicationFactory(
        cohort=cohort, applicant__email="suda@example.org", applicant__full_name="Suda Talay"
    )
    waiting = SubmittedApplicationFactory(cohort=cohort, applicant__full_name="อรุณี รอผล")
    rejected = SubmittedApplicationFactory(cohort=cohort, applicant__full_name="มานพ ไม่ผ่าน")
    SubmittedApplicationFactory(applicant__full_name="ผู้สมัคร โครงการอื่น")  # another program's

    # Staff open the decisions page on a desktop: three rows, nothing of the other program.
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.pk}/decisions/")
    expect(page.get_by_test_id("decisions-table").locator("tbody tr")).to_have_count(3)
    expect(page.locator("main")).not_to_contain_text("ผู้สมัคร โครงการอื่น")

    # Bulk: the last two rows to "rejected"; then the waitlisted one changed per row.
    page.get_by_test_id(f"select-{waiting.pk}").check()
    page.get_by_test_id(f"select-{rejected.pk}").check()
    page.get_by_test_id("bulk-status").select_option(ApplicationStatus.REJECTED)
    page.get_by_test_id("apply-bulk").click()
    expect(page.get_by_test_id(f"status-{rejected.pk}")).to_have_value(ApplicationStatus.REJECTED)
    expect(page.get_by_test_id(f"staged-count-{ApplicationStatus.REJECTED}")).to_contain_text("2")

    # A mistake first: a position on an accepted row is refused, and what was typed stays.
    page.get_by_test_id(f"status-{accepted.pk}").select_option(ApplicationStatus.ACCEPTED)
    page.get_by_test_id(f"position-{accepted.pk}").fill("2")
    page.get_by_test_id(f"note-{accepted.pk}").fill("ทีมพร้อมที่สุด")
    page.get_by_test_id(f"status-{waiting.pk}").select_option(ApplicationStatus.WAITLISTED)
    page.get_by_test_id("save-decisions").click()
    expect(page.get_by_test_id(f"position-error-{accepted.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"note-{accepted.pk}")).to_have_value("ทีมพร้อมที่สุด")
    expect(page.get_by_test_id(f"status-{waiting.pk}")).to_have_value(ApplicationStatus.WAITLISTED)
    assert Application.objects.get(pk=waiting.pk).pending_decision.status == ApplicationStatus.REJECTED

    page.get_by_test_id(f"position-{accepted.pk}").fill("")
    page.get_by_test_id(f"position-{waiting.pk}").fill("1")
    page.get_by_test_id("save-decisions").click()
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    for status in (ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED):
        expect(page.get_by_test_id(f"staged-count-{status}")).to_contain_text("1")
    assert not decision_emails().exists()

    # Preview: the email Suda will get, nothing sent.
    page.get_by_test_id(f"preview-{accepted.pk}").click()
    page.wait_for_url(f"**/decisions/{accepted.pk}/preview/")
    expect(page.get_by_test_id("preview-body")).to_contain_text("Suda Talay")
    subject = page.get_by_test_id("preview-subject").inner_text()
    page.get_by_test_id("back-to-decisions").click()
    assert not decision_emails().exists()

    # Send 3 decisions: a confirmation with the counts and one button, then the summary.
    page.get_by_test_id("send-decisions").click()
    page.wait_for_url("**/decisions/send/")
    for status in (ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED):
        expect(page.get_by_test_id(f"send-count-{status}")).to_contain_text("1")
    assert not decision_emails().exists()
    page.get_by_test_id("confirm-send").click()
    page.wait_for_url(f"**/staff/cohorts/{cohort.pk}/decisions/")
    expect(page.get_by_role("alert").first).to_contain_text("3")
    expect(page.get_by_test_id("send-decisions")).to_have_count(0)

    # The outbox: exactly one decision email per person, the accepted one as previewed.
    assert sorted(decision_emails().values_list("key", flat=True)) == sorted(
        [
            f"decision:{accepted.pk}:accepted",
            f"decision:{waiting.pk}:waitlisted",
            f"decision:{rejected.pk}:rejected",
        ]
    )
    assert decision_emails().get(key=f"decision:{accepted.pk}:accepted").subject == subject

    # Suda, on her phone, can no longer take part: she confirms, and the waitlist moves up.
    log_out(page)
    page.set_viewport_size(PHONE)
    log_in(page, "suda@example.org")
    page.goto(f"/applications/{accepted.pk}/")
    page.get_by_test_id("withdraw-application").click()
    page.get_by_test_id("confirm-withdraw").click()
    page.wait_for_url(f"**/applications/{accepted.pk}/")
    expect(page.get_by_test_id("application-status")).to_be_visible()
    assert Application.objects.get(pk=accepted.pk).status == ApplicationStatus.WITHDRAWN
    assert Application.objects.get(pk=waiting.pk).status == ApplicationStatus.ACCEPTED
    assert decision_emails().filter(key=f"decision:{waiting.pk}:accepted").count() == 1
    assert OutboundEmail.objects.filter(key=f"place-freed:{accepted.pk}:{staff.pk}").count() == 1
