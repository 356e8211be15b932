"""An extension in Chromium: staff give one applicant more time after the deadline; that
applicant, on a phone, submits; another applicant of the same call cannot.

Elements are found by test ids and field names, not by translated text (see
test_browser_applicant.py); the pages are in Thai, the default language.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from cohorts import enums
from cohorts.models import DeadlineExtension
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import ApplicationFactory, CohortFactory, OrganisationFactory, TrackFactory
from incubator.dates import format_date, to_bangkok
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.browser


def thai(text) -> str:
    with translation.override("th"):
        return str(text)


def _draft(cohort, email):
    applicant = UserFactory(email=email)
    return ApplicationFactory(
        cohort=cohort,
        applicant=applicant,
        organisation=OrganisationFactory(created_by=applicant),
        consent_version=cohort.privacy_notice_version,
        consented_at=cohort.applications_open_at,
    )


def log_in(page, email: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")


def test_staff_extend_one_applicant_who_then_submits_on_a_phone_and_another_cannot(page):
    now = timezone.now()
    cohort = CohortFactory(
        name="รุ่นที่ 12", applications_open_at=now - timedelta(days=30), applications_close_at=now - timedelta(hours=2)
    )
    TrackFactory(cohort=cohort, kind=enums.TrackKind.ORGANISATION, name="ผู้นำองค์กร")
    kanya = _draft(cohort, "kanya@example.org")
    somchai = _draft(cohort, "somchai@example.org")
    staff = StaffFactory(email="staff@example.org")
    staff_grant_program_role(user=staff, program=cohort.program)
    until = to_bangkok(now + timedelta(days=2)).replace(hour=17, minute=0, second=0, microsecond=0)
    extensions_url = f"/staff/cohorts/{cohort.pk}/extensions/"

    # Staff find the applicant by email, give her two more days and say why.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, staff.email, extensions_url)
    expect(page.get_by_test_id("no-extensions")).to_be_visible()
    page.fill("input[name=q]", "kanya")
    page.locator("form[role=search] button[type=submit]").click()
    page.get_by_test_id("candidates").locator("a").filter(has_text="kanya@example.org").click()
    expect(page.locator("input[name='grant-email']")).to_have_value("kanya@example.org")
    page.fill("input[name='grant-until_0']", until.strftime("%Y-%m-%d"))
    page.fill("input[name='grant-until_1']", until.strftime("%H:%M:%S"))
    page.fill("textarea[name='grant-reason']", "น้ำท่วมบ้าน ส่งไม่ทัน")
    page.get_by_test_id("grant").click()
    page.wait_for_url(re.compile(rf"{extensions_url}(#grant)?$"))  # the redirect keeps the anchor
    row = page.get_by_test_id("extension-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("kanya@example.org")
    with translation.override("th"):
        until_text = format_date(until, with_time=True)
    expect(row).to_contain_text(until_text)
    extension = DeadlineExtension.objects.get()
    assert (extension.person, extension.until) == (kanya.applicant, until)
    assert OutboundEmail.objects.filter(key=f"deadline-extended:{extension.pk}", to="kanya@example.org").exists()

    # Kanya, on her phone, reads her own deadline on the call and submits after the call's deadline.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, kanya.applicant.email, cohort.get_absolute_url())
    expect(page.get_by_test_id("extended")).to_be_visible()
    expect(page.get_by_test_id("deadline")).to_contain_text(until_text)
    page.get_by_test_id("continue-application").click()
    page.wait_for_url(f"**/applications/{kanya.pk}/edit/")
    expect(page.get_by_test_id("extended")).to_be_visible()
    page.get_by_test_id("submit-application").click()
    page.wait_for_url(f"**/applications/{kanya.pk}/")
    expect(page.get_by_test_id("application-status")).to_have_text(thai(enums.ApplicationStatus.SUBMITTED.label))
    kanya.refresh_from_db()
    assert kanya.status == enums.ApplicationStatus.SUBMITTED

    # Somchai, the same evening, finds the call closed and his draft no longer open.
    page.context.clear_cookies()
    log_in(page, somchai.applicant.email, cohort.get_absolute_url())
    expect(page.get_by_test_id("extended")).to_have_count(0)
    expect(page.get_by_test_id("call-state")).to_be_visible()
    expect(page.get_by_test_id("deadline")).not_to_contain_text(until_text)
    page.goto(f"/applications/{somchai.pk}/edit/")
    page.wait_for_url(f"**/applications/{somchai.pk}/")
    expect(page.get_by_test_id("submit-application")).to_have_count(0)
    somchai.refresh_from_db()
    assert somchai.status == enums.ApplicationStatus.DRAFT


def test_late_entry_link_emailed_by_staff_opens_the_form_for_its_holder_on_a_phone(page):
    now = timezone.now()
    cohort = CohortFactory(
        name="รุ่นที่ 13", applications_open_at=now - timedelta(days=30), applications_close_at=now - timedelta(hours=5)
    )
    TrackFactory(cohort=cohort, kind=enums.TrackKind.ORGANISATION, name="ผู้นำองค์กร")
    staff = StaffFactory(email="staff13@example.org")
    staff_grant_program_role(user=staff, program=cohort.program)
    newcomer = UserFactory(email="nok@example.org")
    until = to_bangkok(now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    extensions_url = f"/staff/cohorts/{cohort.pk}/extensions/"

    # Staff email a late-entry link to someone who heard of the call too late.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, staff.email, extensions_url)
    page.fill("input[name='link-email']", "Nok@example.org")
    page.fill("input[name='link-until_0']", until.strftime("%Y-%m-%d"))
    page.fill("input[name='link-until_1']", until.strftime("%H:%M:%S"))
    page.fill("textarea[name='link-reason']", "ผู้นำชุมชนเพิ่งทราบข่าวจากเครือข่าย")
    page.get_by_test_id("send-link").click()
    expect(page.get_by_test_id("extension-state")).to_have_count(1)
    extension = DeadlineExtension.objects.get()
    email = OutboundEmail.objects.get(key=f"late-entry-link:{extension.pk}")
    link = re.search(r"https?://[^/\s]+(/late-entry/\S+/)", email.body_text).group(1)

    # On her phone she opens the link, logs in, and lands on the call with the track choice.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link)
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=login]", newcomer.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{cohort.get_absolute_url()}apply/")
    expect(page.get_by_test_id("extended")).to_be_visible()
    page.get_by_test_id("apply").click()
    page.wait_for_url(re.compile(r".*/applications/\d+/edit/$"))
    expect(page.get_by_test_id("extended")).to_be_visible()
    page.fill("textarea[name=motivation]", "อยากพัฒนากลยุทธ์ขององค์กรชุมชน")
    page.fill("input[name=org_name]", "กลุ่มรักษ์ป่าต้นน้ำ")
    page.select_option("select[name=org_kind]", "ngo")
    page.select_option("select[name=org_province]", "TH-57")
    page.check("input[name=org_needs][value=strategy]")
    page.check("input[name=consent]")
    page.get_by_test_id("submit-application").click()
    expect(page.get_by_test_id("application-status")).to_have_text(thai(enums.ApplicationStatus.SUBMITTED.label))
    extension.refresh_from_db()
    assert (extension.person, extension.used_at is not None) == (newcomer, True)

    # The link is hers: opened by anyone else it is refused, and it binds nothing.
    page.context.clear_cookies()
    other = UserFactory(email="someone@example.org")
    page.goto(link)
    page.fill("input[name=login]", other.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("late-entry-refused")).to_be_visible()
    extension.refresh_from_db()
    assert extension.person == newcomer
