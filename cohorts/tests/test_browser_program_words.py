"""Program staff own their words, in Chromium (Thai): they reword the acceptance email for
their program, preview it on one of its applications and save it; then they write to the
waitlisted applicants of a call, see how many people it reaches, and send it once. Set
SELECTION_SCREENSHOTS to a folder to keep screenshots of the four pages."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from cohorts.enums import ApplicationStatus, MessageGroup
from cohorts.models import CohortMessage
from cohorts.services.decisions import application_decide
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, ProgramFactory, SubmittedApplicationFactory
from cohorts.tests.test_browser_selection import DESKTOP, log_in, screenshot
from incubator.models import EmailTemplateChange, OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.browser

SUBJECT = "ยินดีต้อนรับ {{ applicant.full_name }} สู่ {{ program.display_name }}"
BODY = "เรียน {{ applicant.full_name }}\n\nท่านได้รับคัดเลือกเข้าร่วม {{ cohort.name }} พบกันที่เวิร์กช็อปแรก"


def test_program_staff_reword_the_acceptance_email_then_write_to_the_waitlisted(page, live_server):
    program = ProgramFactory(name="ระบบบ่มเพาะนวัตกรรมสังคม")
    cohort = CohortFactory(program=program, name="รุ่นที่ 5")
    staff = UserFactory(email="staff@example.org", full_name="กมลา ผู้ประสานงาน")
    staff_grant_program_role(user=staff, program=program)
    accepted = SubmittedApplicationFactory(cohort=cohort, applicant__full_name="สุดา ทะเลงาม")
    waitlisted = [
        SubmittedApplicationFactory(cohort=cohort, applicant__full_name=name, status=ApplicationStatus.WAITLISTED)
        for name in ("ประยุทธ ต้นน้ำ", "มาลัย ริมโขง")
    ]
    SubmittedApplicationFactory(cohort=cohort, applicant__full_name="ไม่อยู่ในกลุ่ม", status=ApplicationStatus.SHORTLISTED)
    stranger = SubmittedApplicationFactory(applicant__full_name="คนของโครงการอื่น")

    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.pk}/ranking/")
    page.get_by_test_id("program-emails").click()
    page.wait_for_url(f"**/staff/programs/{program.pk}/emails/")
    with translation.override("th"):
        default_label = translation.gettext("Default")
        overridden_label = translation.gettext("Overridden")
    expect(page.get_by_test_id("status-decision_accepted-th")).to_have_text(default_label)
    screenshot(page, "program_emails.png")

    # The acceptance email in Thai: the page starts from the default text; staff reword it.
    page.get_by_test_id("edit-decision_accepted-th").click()
    page.wait_for_url(f"**/staff/programs/{program.pk}/emails/decision_accepted/th/")
    expect(page.locator("textarea[name=body_text]")).to_contain_text("{{ applicant.full_name }}")
    expect(page.get_by_test_id("variables")).to_contain_text("{{ program.display_name }}")
    options = page.locator("select[name=application] option")
    expect(options).to_have_count(4)  # the program's four applications, never another program's
    expect(page.locator("select[name=application]")).not_to_contain_text("คนของโครงการอื่น")
    page.fill("input[name=subject]", SUBJECT)
    page.fill("textarea[name=body_text]", BODY)
    page.select_option("select[name=application]", str(accepted.pk))
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("preview-subject")).to_have_text("ยินดีต้อนรับ สุดา ทะเลงาม สู่ ระบบบ่มเพาะนวัตกรรมสังคม")
    expect(page.get_by_test_id("preview-body")).to_contain_text("ท่านได้รับคัดเลือกเข้าร่วม รุ่นที่ 5")
    assert not EmailTemplateChange.objects.exists()  # a preview saves nothing
    screenshot(page, "program_email_edit.png")

    # A text the sandbox refuses: an error on the form, nothing saved.
    page.fill("textarea[name=body_text]", "{% load static %}" + BODY)
    page.get_by_test_id("save-button").click()
    expect(page.locator(".invalid-feedback, .text-danger").first).to_be_visible()
    assert not EmailTemplateChange.objects.exists()

    page.fill("textarea[name=body_text]", BODY)
    page.get_by_test_id("save-button").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_test_id("status")).to_contain_text(overridden_label)
    expect(page.get_by_test_id("history")).to_contain_text("กมลา ผู้ประสานงาน")

    # The applicant accepted from now on gets the program's words.
    application_decide(application=accepted, status=ApplicationStatus.ACCEPTED, by=staff)
    email = OutboundEmail.objects.get(key=f"decision:{accepted.pk}:accepted")
    assert email.subject == "ยินดีต้อนรับ สุดา ทะเลงาม สู่ ระบบบ่มเพาะนวัตกรรมสังคม"

    # Then a message to the waitlisted applicants of the call, after seeing the count.
    page.goto(f"/staff/cohorts/{cohort.pk}/ranking/")
    page.get_by_test_id("write-to-applicants").click()
    page.wait_for_url(f"**/staff/cohorts/{cohort.pk}/message/")
    page.select_option("select[name=group]", MessageGroup.WAITLISTED)
    page.fill("input[name=subject]", "ข่าวจากทีมงานรุ่นที่ 5")
    page.fill("textarea[name=body]", "ขอบคุณที่รอ เราจะแจ้งท่านทันทีเมื่อมีที่ว่าง")
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("count")).to_contain_text("2")
    expect(page.get_by_test_id("preview-body")).to_contain_text("ขอบคุณที่รอ")
    expect(page.get_by_test_id("preview")).to_contain_text(waitlisted[0].applicant.full_name)
    screenshot(page, "cohort_message_preview.png")
    assert not OutboundEmail.objects.filter(key__startswith="cohort-message:").exists()
    page.get_by_test_id("send-button").click()
    page.wait_for_url(f"**/staff/cohorts/{cohort.pk}/messages/")
    expect(page.get_by_role("alert")).to_contain_text("2")
    message = CohortMessage.objects.get()
    expect(page.get_by_test_id(f"recipients-{message.pk}")).to_have_text("2")
    screenshot(page, "cohort_messages.png")

    # Back and send again: the same form sends nothing twice.
    page.go_back()
    page.get_by_test_id("send-button").click()
    page.wait_for_url(f"**/staff/cohorts/{cohort.pk}/messages/")
    rows = OutboundEmail.objects.filter(key__startswith=f"cohort-message:{message.pk}:")
    assert sorted(rows.values_list("to", flat=True)) == sorted(a.applicant.email for a in waitlisted)
    assert CohortMessage.objects.count() == 1
    assert stranger.applicant.email not in rows.values_list("to", flat=True)
