"""The applicant's journey in Chromium at phone size, in Thai (the default language).

Issue: "an applicant finds the open call, signs up, saves a draft, comes back, submits, sees
'submitted'". Elements are found by test ids, roles, field names and URLs, not by translated
text, so the tests hold whether or not the Thai catalog is filled in. Where a test reads a
message, it computes the expected Thai text with Django's own translation machinery.
"""

import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from playwright.sync_api import expect

from cohorts import enums
from cohorts.models import Application, Cohort
from cohorts.services.applications import ApplicationClosedError
from cohorts.tests.factories import ApplicationFactory, CohortFactory, QuestionFactory, TrackFactory
from incubator.enums import EmailState
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD as USER_PASSWORD
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.browser

EMAIL = "kanya@example.org"
PASSWORD = "a-long-and-unusual-passphrase-42"
EMPLOYER = "ธนาคารเพื่อการเกษตร สาขาลำปาง"
MOTIVATION = "อยากใช้ทักษะด้านการเงินช่วยองค์กรชุมชนวางแผนกิจการเพื่อสังคม"
ANSWER = "เคยเป็นอาสาสมัครสอนบัญชีให้วิสาหกิจชุมชนสามปี"
# Messages the applicant reads, as the pages word them (shown in Thai once the catalog has them).
DRAFT_SAVED = _("Draft saved. You can come back and finish it before the deadline.")
CLOSED = _("closed")
CONSENT_REQUIRED = _("Please agree to the privacy notice to submit your application.")


def thai(text) -> str:
    with translation.override("th"):
        return str(text)


def status_label(status: str) -> str:
    return thai(enums.ApplicationStatus(status).label)


def open_call():
    """An open cohort with an organisation track and an intrapreneur track and one required question."""
    cohort = CohortFactory(name="รุ่นที่ 9", program__name="Intrapreneur for Change")
    TrackFactory(cohort=cohort, kind=enums.TrackKind.ORGANISATION, name="ผู้นำองค์กร")
    intrapreneur = TrackFactory(cohort=cohort, kind=enums.TrackKind.INTRAPRENEUR, name="อินทราพรีเนอร์")
    question = QuestionFactory(cohort=cohort, text="เล่าประสบการณ์ทำงานกับชุมชน", required=True)
    return cohort, intrapreneur, question


def open_menu(page) -> None:
    """The navigation is collapsed behind the menu button on a phone."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()


def log_in(page, email: str, password: str) -> None:
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()


def test_applicant_signs_up_saves_a_draft_comes_back_and_submits(page):
    cohort, intrapreneur, question = open_call()

    # Finds the open call and reads it.
    page.goto("/")
    open_menu(page)
    page.locator("#nav a[href='/calls/']").click()
    card = page.get_by_test_id("call-card").filter(has_text=cohort.name)
    expect(card.get_by_test_id("time-left")).to_be_visible()
    card.locator(f"a[href='{cohort.get_absolute_url()}']").click()
    page.wait_for_url(f"**{cohort.get_absolute_url()}")

    # Wants to apply as an intrapreneur: is sent to log in, and signs up from there.
    page.get_by_label(intrapreneur.name).check()
    page.get_by_test_id("apply").click()
    page.wait_for_url("**/accounts/login/**")
    page.locator("main a[href*='/accounts/signup/']").click()
    page.wait_for_url("**/accounts/signup/**")
    page.fill("input[name=full_name]", "กัญญา ใจดี")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")

    # Verifies the address with the link from the email, then logs in.
    email = OutboundEmail.objects.get(to=EMAIL)
    assert email.state == EmailState.SENT
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", email.body_text).group(1)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    # Confirming signs the newcomer in and takes them back to the call they were applying to.
    page.wait_for_url(f"**{cohort.get_absolute_url()}apply/**")
    page.get_by_label(intrapreneur.name).check()
    page.get_by_test_id("apply").click()
    page.wait_for_url(re.compile(r".*/applications/\d+/edit/$"))
    application = Application.objects.get(applicant__email=EMAIL)
    assert application.track == intrapreneur
    expect(page.get_by_test_id("application-status")).to_have_text(status_label("draft"))

    # Fills in part of the form and saves a draft.
    page.fill("input[name=employer]", EMPLOYER)
    page.fill("input[name=job_title]", "นักวิเคราะห์สินเชื่อ")
    page.fill("textarea[name=motivation]", MOTIVATION)
    if path := os.environ.get("APPLICANT_SCREENSHOT"):  # e.g. /tmp/applicant_form.png, to look at the layout
        page.screenshot(path=path, full_page=True)
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_role("alert")).to_have_text(thai(DRAFT_SAVED))
    assert page.url.endswith(f"/applications/{application.pk}/edit/")
    application.refresh_from_db()
    assert (application.status, application.employer, application.motivation) == ("draft", EMPLOYER, MOTIVATION)

    # Logs out and, later, logs in again.
    open_menu(page)
    page.locator("#nav form[action='/accounts/logout/'] button").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # the home page, not the page we left
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    open_menu(page)
    page.locator("#nav a[href^='/accounts/login/']").click()
    log_in(page, EMAIL, PASSWORD)
    expect(page.get_by_test_id("signed-in-as")).to_have_text("กัญญา ใจดี")

    # Opens "My applications" and the draft: what they typed is still there.
    open_menu(page)
    page.locator("#nav a[href='/applications/']").click()
    row = page.get_by_test_id("application-row").filter(has_text=cohort.name)
    expect(row.get_by_test_id("application-status")).to_have_text(status_label("draft"))
    row.locator(f"a[href='/applications/{application.pk}/edit/']").click()
    expect(page.locator("input[name=employer]")).to_have_value(EMPLOYER)
    expect(page.locator("textarea[name=motivation]")).to_have_value(MOTIVATION)

    # Completes it, but first tries to submit without agreeing to the privacy notice.
    page.fill("textarea[name=skills]", "การเงิน การวิเคราะห์ข้อมูล")
    page.check("input[name=sectors][value=agriculture]")
    page.check("input[name=travel_provinces][value=TH-52]")  # Lampang
    page.check("input[name=languages][value=th]")
    page.fill("input[name=availability_days_per_month]", "3")
    page.fill(f"textarea[name=q_{question.pk}]", ANSWER)
    expect(page.get_by_test_id("privacy-notice")).to_contain_text(cohort.privacy_notice)
    page.get_by_test_id("submit-application").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("#div_id_consent")).to_contain_text(thai(CONSENT_REQUIRED))
    expect(page.locator(f"textarea[name=q_{question.pk}]")).to_have_value(ANSWER)
    application.refresh_from_db()
    assert application.status == "draft"
    assert not OutboundEmail.objects.filter(key=f"application-submitted:{application.pk}").exists()

    # Agrees and submits: sees "submitted".
    page.check("input[name=consent]")
    page.get_by_test_id("submit-application").click()
    page.wait_for_url(f"**/applications/{application.pk}/")
    expect(page.get_by_test_id("application-status")).to_have_text(status_label("submitted"))
    application.refresh_from_db()
    assert application.status == "submitted"
    confirmation = OutboundEmail.objects.get(key=f"application-submitted:{application.pk}")
    assert (confirmation.to, confirmation.state) == (EMAIL, EmailState.SENT)


def test_applicant_whose_form_is_open_when_the_deadline_passes_is_told_and_keeps_their_text(page):
    cohort, intrapreneur, question = open_call()
    applicant = UserFactory(email="somchai@example.org", full_name="สมชาย ขยันยิ่ง")
    application = ApplicationFactory(cohort=cohort, track=intrapreneur, applicant=applicant, motivation="")
    edit_url = f"/applications/{application.pk}/edit/"
    page.goto(f"/accounts/login/?next={edit_url}")
    log_in(page, applicant.email, USER_PASSWORD)
    page.wait_for_url(f"**{edit_url}")

    page.fill("textarea[name=motivation]", MOTIVATION)
    page.fill(f"textarea[name=q_{question.pk}]", ANSWER)
    page.check("input[name=consent]")
    # The deadline passes while the form is open on the phone.
    Cohort.objects.filter(pk=cohort.pk).update(applications_close_at=timezone.now() - timedelta(minutes=1))
    page.get_by_test_id("submit-application").click()

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    with translation.override("th"):
        cohort.refresh_from_db()
        closed = ApplicationClosedError(cohort).messages[0]
    expect(page.get_by_test_id("form-errors")).to_contain_text(closed)
    expect(page.get_by_test_id("time-left")).to_have_text(thai(CLOSED))
    expect(page.locator("textarea[name=motivation]")).to_have_value(MOTIVATION)
    expect(page.locator(f"textarea[name=q_{question.pk}]")).to_have_value(ANSWER)
    application.refresh_from_db()
    assert (application.status, application.motivation, application.answers.count()) == ("draft", "", 0)
    assert not OutboundEmail.objects.filter(key=f"application-submitted:{application.pk}").exists()
