"""Staff rank a cohort by scores normalised per reviewer, in Chromium (Thai)."""

import pytest
from playwright.sync_api import expect

from cohorts.services.reviews import review_assign, review_submit_scores, staff_grant_program_role
from cohorts.tests.factories import CohortFactory, CriterionFactory, ProgramFactory, SubmittedApplicationFactory
from cohorts.tests.test_browser_selection import DESKTOP, log_in
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_staff_rank_by_normalised_scores_and_back(page, live_server):
    program = ProgramFactory(name="ระบบบ่มเพาะนวัตกรรมสังคม")
    cohort = CohortFactory(program=program, name="รุ่นที่ 3")
    criterion = CriterionFactory(cohort=cohort, min_score=1, max_score=5)
    staff = UserFactory(email="staff@example.org")
    staff_grant_program_role(user=staff, program=program)
    harsh, lenient = UserFactory(), UserFactory()
    names = ["กลุ่มปูม้า", "กลุ่มผ้าทอ", "กลุ่มป่าชุมชน", "กลุ่มข้าวอินทรีย์"]
    apps = [SubmittedApplicationFactory(cohort=cohort, applicant__full_name=name) for name in names]
    for application, reviewer, value in zip(apps, [harsh, harsh, lenient, lenient], [2, 1, 5, 4], strict=True):
        review = review_assign(application=application, reviewer=reviewer, by=staff)
        review_submit_scores(review=review, by=reviewer, scores={criterion.pk: value})

    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.pk}/ranking/")

    rows = page.locator("[data-testid=ranking-table] tbody tr")
    expect(rows.nth(0)).to_contain_text("กลุ่มป่าชุมชน")  # raw mean: the lenient reviewer's first
    expect(rows.nth(2)).to_contain_text("กลุ่มปูม้า")
    expect(page.get_by_test_id(f"normalised-{apps[0].pk}")).to_have_text("89.5")

    page.get_by_test_id("rank-by-normalised").click()
    page.wait_for_url("**?rank=normalised")
    expect(page.get_by_test_id("rank-by-normalised")).to_have_attribute("aria-current", "true")
    expect(page.get_by_test_id(f"rank-{apps[0].pk}")).to_have_text("1")  # the harsh reviewer's best
    expect(page.get_by_test_id(f"rank-{apps[2].pk}")).to_have_text("1")
    expect(page.get_by_test_id(f"rank-{apps[1].pk}")).to_have_text("3")
    expect(page.get_by_test_id("rank-by")).to_contain_text("ปรับตามผู้พิจารณาแต่ละคน")

    page.get_by_test_id("rank-by-raw").click()
    page.wait_for_url("**?rank=raw")
    expect(page.get_by_test_id(f"rank-{apps[0].pk}")).to_have_text("3")
