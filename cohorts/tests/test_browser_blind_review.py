"""Blind review in Chromium: a reviewer of a blind phase opens their list and scores an
application on a phone seeing only its pseudonym; staff then lift the blind on a desktop and
the reviewer sees who applied.

Elements are found by test ids, roles and URLs; the identifying values are distinctive strings
searched for in the whole page (title included), so a leak anywhere on the page fails.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cohorts import enums
from cohorts.models import Answer
from cohorts.selectors.blind import application_pseudonym
from cohorts.services.reviews import review_assign
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    OrganisationFactory,
    PhaseFactory,
    ProgramFactory,
    QuestionFactory,
    SubmittedApplicationFactory,
)
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
NAME = "Quillonblind Sentineltaro"
ORGANISATION = "Sentinelbay Crab Bank Group"
VILLAGE = "Sentinelvillage Tharuea"
IDEA = "ธนาคารปูม้าชุมชนที่ขยายไปทุกหมู่บ้านริมอ่าว"


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_test_id("signed-in-as")).to_be_attached()


def log_out(page) -> None:
    page.context.clear_cookies()


def assert_no_identity(page) -> None:
    html = page.content()
    for sentinel in (NAME, ORGANISATION, VILLAGE, "sentinel-applicant@"):
        assert sentinel not in html, sentinel


def test_blind_reviewer_scores_by_pseudonym_then_staff_lift_the_blind(page):
    program = ProgramFactory()
    cohort = CohortFactory(program=program, name="รุ่นที่ 5")
    phase = PhaseFactory(cohort=cohort, order=1, is_blind=True, name="รอบพิจารณาแบบปกปิดตัวตน")
    criteria = [
        CriterionFactory(cohort=cohort, phase=phase, order=1, name="ความชัดเจนของปัญหา", weight=Decimal("2")),
        CriterionFactory(cohort=cohort, phase=phase, order=2, name="ผลกระทบต่อชุมชน"),
    ]
    application = SubmittedApplicationFactory(
        cohort=cohort,
        phase=phase,
        applicant=UserFactory(full_name=NAME, email="sentinel-applicant@example.org"),
        organisation=OrganisationFactory(name=ORGANISATION),
        motivation=IDEA,
    )
    village = QuestionFactory(cohort=cohort, order=1, text="หมู่บ้านของท่าน", identifying=True)
    Answer.objects.create(application=application, question=village, value=VILLAGE)
    staff = UserFactory(email="lead@example.org")
    staff_grant_program_role(user=staff, program=program)
    reviewer = UserFactory(email="blind-reviewer@example.org", full_name="วิภา ผู้ทบทวน")
    review = review_assign(application=application, reviewer=reviewer, by=staff, phase=phase)
    code = application_pseudonym(application)

    # On the phone: the list names the application by its pseudonym, with the blind badge.
    log_in(page, reviewer.email)
    page.goto("/review/")
    row = page.get_by_test_id(f"review-{review.pk}")
    expect(row.get_by_test_id("review-label")).to_contain_text(code)
    expect(row.get_by_test_id("blind-badge")).to_be_visible()
    assert_no_identity(page)

    # The scoring page: the content to judge, the pseudonym in the title, no name anywhere.
    row.click()
    page.wait_for_url(f"**/review/{review.pk}/")
    expect(page.get_by_test_id("review-title")).to_contain_text(code)
    expect(page).to_have_title(re.compile(re.escape(code)))
    expect(page.get_by_test_id("blind-notice")).to_be_visible()
    expect(page.get_by_test_id("application-content")).to_contain_text(IDEA)
    expect(page.get_by_test_id("withheld")).to_have_count(1)
    assert_no_identity(page)
    for criterion, score in zip(criteria, (5, 3), strict=True):
        page.get_by_test_id(f"score-{criterion.pk}").select_option(str(score))
    page.fill("textarea[name=comment]", "แนวคิดชัดเจน ควรขยายผลให้ครอบคลุม")
    page.get_by_test_id("submit-review").click()

    # Back on the list: thanked by pseudonym, the review is done.
    page.wait_for_url("**/review/")
    expect(page.get_by_role("alert")).to_contain_text(code)
    expect(page.get_by_test_id(f"review-{review.pk}").locator(".badge.text-bg-success")).to_have_count(1)
    assert_no_identity(page)
    review.refresh_from_db()
    assert review.state == enums.ReviewState.COMPLETED

    # Staff, on a desktop: the ranking shows who applied; they lift the blind of the phase.
    log_out(page)
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.pk}/ranking/")
    expect(page.get_by_test_id("ranking-table")).to_contain_text(NAME)
    page.get_by_test_id(f"lift-blind-link-{phase.pk}").click()
    page.wait_for_url(f"**/staff/phases/{phase.pk}/lift-blind/")
    expect(page.get_by_test_id("pending-reviews")).to_contain_text("0")
    page.get_by_test_id("lift-blind").click()
    page.wait_for_url(f"**/staff/cohorts/{cohort.pk}/ranking/")
    expect(page.get_by_test_id(f"blind-phase-{phase.pk}")).not_to_contain_text(code)
    expect(page.get_by_test_id(f"lift-blind-link-{phase.pk}")).to_have_count(0)

    # The reviewer now sees who applied.
    log_out(page)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, reviewer.email)
    page.goto(f"/review/{review.pk}/")
    expect(page.get_by_test_id("review-title")).to_contain_text(NAME)
    expect(page.get_by_test_id("application-content")).to_contain_text(VILLAGE)
