"""Automatic assignment in Chromium: program staff run a proposal, remove one pair and confirm
it (desktop); a reviewer sets their expertise on a phone. Elements are found by test ids and
field names, not by translated text."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cohorts.enums import ProposalStatus, Sector
from cohorts.models import ReviewAssignment, ReviewerExpertise, ReviewProposal
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    OrganisationFactory,
    PhaseFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
)
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def screenshot(page, name: str) -> None:
    if folder := os.environ.get("SELECTION_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_staff_run_the_proposal_remove_one_pair_and_confirm(page):
    program = ProgramFactory()
    cohort = CohortFactory(program=program, name="รุ่นที่ 5")
    phase = PhaseFactory(cohort=cohort, order=1, reviewers_per_application=2, name="รอบให้คะแนน")
    staff = UserFactory(email="lead@example.org")
    staff_grant_program_role(user=staff, program=program)
    reviewers = [UserFactory(full_name=name) for name in ("วิภา ใจดี", "สมชาย รักงาน", "อรุณี แสงทอง")]
    phase.reviewers.set(reviewers)
    apps = [
        SubmittedApplicationFactory(cohort=cohort, phase=phase, organisation=OrganisationFactory()) for _ in range(3)
    ]
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)

    page.goto(f"/staff/phases/{phase.pk}/assign/")
    expect(page.get_by_test_id("application-row")).to_have_count(3)
    page.get_by_test_id("run-proposal").click()
    expect(page.get_by_test_id("pair")).to_have_count(6)
    expect(page.get_by_test_id("load-spread")).to_have_text("0")
    expect(page.get_by_test_id("reasons").first).not_to_be_empty()

    first_row = page.locator(f'[data-testid=application-row][data-application="{apps[0].pk}"]')
    removed = first_row.get_by_test_id("pair").first.get_attribute("data-reviewer")
    first_row.get_by_test_id("pair").first.get_by_test_id("remove-pair").click()
    expect(page.get_by_test_id("pair")).to_have_count(5)
    expect(page.get_by_test_id("short")).to_have_count(1)
    # The short application is listed first; the filter keeps only what needs attention.
    expect(page.get_by_test_id("application-row").first).to_have_attribute("data-application", str(apps[0].pk))
    screenshot(page, "phase_assign.png")
    page.get_by_test_id("show-attention").click()
    expect(page.get_by_test_id("application-row")).to_have_count(1)
    page.get_by_test_id("show-all").click()
    expect(page.get_by_test_id("application-row")).to_have_count(3)

    page.get_by_test_id("confirm-proposal").click()
    expect(page.get_by_test_id("confirm-step")).to_be_visible()
    assert ReviewAssignment.objects.count() == 0
    page.get_by_test_id("confirm-final").click()
    expect(page.get_by_test_id("confirmed")).to_be_visible()

    pairs = set(ReviewAssignment.objects.filter(phase=phase).values_list("application_id", "reviewer_id"))
    assert len(pairs) == 5
    assert (apps[0].pk, int(removed)) not in pairs
    assert ReviewProposal.objects.get().status == ProposalStatus.CONFIRMED
    emailed = sorted(OutboundEmail.objects.filter(template="cohorts/reviews_assigned").values_list("to", flat=True))
    assert emailed == sorted({r.email for r in reviewers if any(p[1] == r.pk for p in pairs)})


def test_reviewer_sets_their_expertise_on_a_phone(page):
    phase = PhaseFactory(cohort=CohortFactory())
    reviewer = UserFactory(email="reviewer-x@example.org")
    phase.reviewers.add(reviewer)
    organisation = OrganisationFactory(name="มูลนิธิของผู้ทบทวน", created_by=reviewer)
    log_in(page, reviewer.email)

    page.goto("/review/")
    page.get_by_test_id("expertise-link").click()
    page.wait_for_url("**/review/expertise/")
    page.locator(f"input[name=sectors][value={Sector.EDUCATION}]").check()
    page.locator("input[name=regions][value=north]").check()
    page.locator("input[name=track_kinds][value=organisation]").check()
    page.locator("select[name=organisation]").select_option(str(organisation.pk))
    page.get_by_test_id("save-expertise").click()
    expect(page.get_by_role("alert")).to_be_visible()

    row = ReviewerExpertise.objects.get(user=reviewer)
    assert (row.sectors, row.regions, row.track_kinds, row.organisation_id) == (
        [Sector.EDUCATION],
        ["north"],
        ["organisation"],
        organisation.pk,
    )
    expect(page.locator(f"input[name=sectors][value={Sector.EDUCATION}]")).to_be_checked()
    screenshot(page, "reviewer_expertise.png")
