"""Phases in Chromium: program staff open the call's selection page, preview a threshold on the
screening's scores and move the two applications above it to the scored review; an applicant
then reads on a phone, in Thai, where their application stands ("now: <phase>").

Elements are found by test ids and URLs; the Thai text read is computed with Django's
translation machinery. SELECTION_SCREENSHOTS=/tmp keeps screenshots of both pages."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from cohorts.services.reviews import review_assign, review_submit_scores, staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    PhaseFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
)
from cohorts.tests.test_browser_selection import DESKTOP, PHONE, log_in, open_menu, screenshot
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_staff_move_two_by_threshold_and_the_applicant_sees_the_new_phase(page):
    program = ProgramFactory(name="ระบบบ่มเพาะนวัตกรรมสังคม")
    cohort = CohortFactory(program=program, name="รุ่นที่ 5")
    screening = PhaseFactory(cohort=cohort, order=1, kind="screening", name="คัดกรองคุณสมบัติ")
    review = PhaseFactory(cohort=cohort, order=2, name="พิจารณาให้คะแนน", description="ผู้พิจารณาสองท่านอ่านใบสมัครของท่าน")
    criterion = CriterionFactory(cohort=cohort, phase=screening, min_score=1, max_score=5)
    staff = UserFactory(email="staff@example.org")
    staff_grant_program_role(user=staff, program=program)
    reviewer = UserFactory()
    names = ["กลุ่มปูม้า", "กลุ่มผ้าทอ", "กลุ่มป่าชุมชน"]
    applicants = [UserFactory(full_name=name, preferred_language="th") for name in names]
    applications = [
        SubmittedApplicationFactory(cohort=cohort, applicant=person, phase=screening) for person in applicants
    ]
    for application, value in zip(applications, [5, 4, 1], strict=True):
        review_submit_scores(
            review=review_assign(application=application, reviewer=reviewer, by=staff, phase=screening),
            by=reviewer,
            scores={criterion.pk: value},
        )

    # Staff, at a desk: the selection page, a threshold of 70 on the screening's raw scores.
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.pk}/selection/")
    expect(page.get_by_test_id(f"count-{screening.pk}")).to_have_text("3")
    expect(page.get_by_test_id(f"reviews-done-{screening.pk}")).to_have_text("3")
    screenshot(page, "phases_selection.png")
    page.get_by_test_id(f"threshold-{screening.pk}").fill("70")
    page.get_by_test_id(f"threshold-preview-{screening.pk}").click()
    page.wait_for_url(re.compile(rf"/selection/phases/{screening.pk}/threshold/\?threshold=70"))

    expect(page.locator("[data-testid=threshold-table] tbody tr")).to_have_count(2)
    expect(page.get_by_test_id(f"threshold-row-{applications[0].pk}")).to_contain_text("100.0")
    expect(page.get_by_test_id(f"threshold-row-{applications[1].pk}")).to_contain_text("75.0")
    expect(page.get_by_test_id(f"threshold-row-{applications[2].pk}")).to_have_count(0)
    expect(page.get_by_test_id("threshold-count")).to_contain_text("2")
    screenshot(page, "phases_threshold_preview.png")
    page.get_by_test_id("threshold-confirm").click()

    page.wait_for_url(re.compile(rf"/staff/cohorts/{cohort.pk}/selection/$"))
    expect(page.get_by_test_id(f"count-{review.pk}")).to_have_text("2")
    expect(page.get_by_test_id(f"count-{screening.pk}")).to_have_text("1")
    moved = set(cohort.applications.filter(phase=review).values_list("pk", flat=True))
    assert moved == {applications[0].pk, applications[1].pk}
    assert OutboundEmail.objects.filter(key__startswith="phase-moved:").count() == 2

    open_menu(page)
    page.locator("#nav form[action='/accounts/logout/'] button").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))

    # The applicant, on a phone, in Thai: "now: the scored review" in the list, the steps on the page.
    page.set_viewport_size(PHONE)
    log_in(page, applicants[0].email)
    page.goto("/applications/")
    with translation.override("th"):
        now = translation.gettext("Now: %(phase)s") % {"phase": "พิจารณาให้คะแนน"}
    expect(page.get_by_test_id("phase-now")).to_have_text(now)
    page.locator("[data-testid=application-row] a.fw-semibold").click()
    expect(page.get_by_test_id(f"phase-step-{review.pk}")).to_have_attribute("data-state", "current")
    expect(page.get_by_test_id(f"phase-step-{screening.pk}")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("phase-now-description")).to_contain_text("ผู้พิจารณาสองท่านอ่านใบสมัครของท่าน")
    expect(page.locator("[data-testid^=phase-score-]")).to_have_count(0)
    screenshot(page, "phases_applicant_phone.png")
