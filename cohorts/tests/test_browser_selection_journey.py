"""Selection end to end in Chromium, as the people who do it: program staff set up two phases
in the admin (a blind scored review and interviews), move the handed-in applications into the
first, assign reviewers automatically and confirm; a blind reviewer scores without ever seeing
who applied; staff move two applications on to the interviews and publish slots; an applicant
books one on a phone; staff stage the decisions, see that nothing went out, and send them in one
batch: exactly one decision email per person. Elements are found by test ids and field names,
never by translated text (the pages are in Thai)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.enums import ApplicationStatus, PhaseKind, ReviewState
from cohorts.models import Application, Criterion, InterviewBooking, InterviewSlot, Phase, ReviewAssignment
from cohorts.selectors.blind import application_pseudonym
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ProgramFactory, SubmittedApplicationFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
APPLICANTS = ("วิไล ผู้นำชุมชน", "ประเสริฐ ใจกว้าง", "มาลี ศรีสุข")
ORGANISATIONS = ("วิสาหกิจชุมชนบ้านหนองบัว", "มูลนิธิเด็กดอย", "สหกรณ์ประมงพื้นบ้าน")
REVIEWERS = ("อรุณี ผู้พิจารณา", "สมศักดิ์ ผู้พิจารณา")


def log_in(page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def choose_in_autocomplete(page, field_selector: str, text: str) -> None:
    """Pick `text` in an admin autocomplete (select2) field."""
    page.locator(f"{field_selector} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def decision_emails() -> list[tuple[str, str]]:
    return sorted(OutboundEmail.objects.filter(template__startswith="cohorts/decision_").values_list("to", "template"))


def test_staff_select_in_two_phases_a_blind_reviewer_scores_an_applicant_books_and_decisions_go_in_one_batch(page):
    program = ProgramFactory(name="โครงการบ่มเพาะกิจการเพื่อสังคม")
    cohort = CohortFactory(program=program, name="รุ่นที่ 7")
    staff = UserFactory(email="lead@example.org", full_name="ผู้ประสานงาน โครงการ")
    staff_grant_program_role(user=staff, program=program)
    reviewers = [UserFactory(full_name=name) for name in REVIEWERS]
    applications = [
        SubmittedApplicationFactory(
            cohort=cohort,
            applicant=UserFactory(full_name=name),
            organisation=OrganisationFactory(name=organisation),
            idea_title=f"แนวคิดที่ {index + 1}",
        )
        for index, (name, organisation) in enumerate(zip(APPLICANTS, ORGANISATIONS, strict=True))
    ]
    first, second, third = applications

    # 1. Staff set up two phases in the admin, then the blind round's rubric.
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto(f"/admin/cohorts/cohort/{cohort.pk}/change/")
    for index, (kind, name) in enumerate(((PhaseKind.REVIEW, "รอบให้คะแนน"), (PhaseKind.INTERVIEW, "รอบสัมภาษณ์"))):
        page.locator("#phases-group .add-row a").click()
        page.fill(f"#id_phases-{index}-order", str(index + 1))
        page.select_option(f"#id_phases-{index}-kind", kind)
        page.fill(f"#id_phases-{index}-name", name)
    page.check("#id_phases-0-is_blind")
    page.fill("#id_phases-0-reviewers_per_application", "1")
    for reviewer in REVIEWERS:
        choose_in_autocomplete(page, "#phases-0 .field-reviewers", reviewer)
    page.locator("input[name=_continue]").click()
    expect(page.locator(".errornote")).to_have_count(0)
    review_phase, interview_phase = Phase.objects.filter(cohort=cohort).order_by("order")
    assert (review_phase.is_blind, review_phase.reviewers.count(), interview_phase.kind) == (
        True,
        2,
        PhaseKind.INTERVIEW,
    )
    page.locator("#criteria-group .add-row a").click()
    page.select_option("#id_criteria-0-phase", str(review_phase.pk))
    page.fill("#id_criteria-0-order", "1")
    page.fill("#id_criteria-0-name", "ความชัดเจนของปัญหา")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".errornote")).to_have_count(0)
    criterion = Criterion.objects.get(cohort=cohort)
    assert criterion.phase_id == review_phase.pk

    # 2. The applications handed in before the phases existed move into the first.
    page.goto(f"/staff/cohorts/{cohort.pk}/selection/")
    for application in applications:
        page.get_by_test_id(f"move-{application.pk}").check()
    page.get_by_test_id("advance-none").click()
    expect(page.get_by_test_id(f"count-{review_phase.pk}")).to_have_text("3")

    # 3. Automatic assignment: preview, confirm, one email per reviewer.
    page.get_by_test_id(f"phase-assign-{review_phase.pk}").click()
    page.get_by_test_id("run-proposal").click()
    expect(page.get_by_test_id("pair")).to_have_count(3)
    expect(page.get_by_test_id("load-spread")).to_have_text("1")
    page.get_by_test_id("confirm-proposal").click()
    page.get_by_test_id("confirm-final").click()
    expect(page.get_by_test_id("confirmed")).to_be_visible()
    assigned = OutboundEmail.objects.filter(template="cohorts/reviews_assigned")
    assert sorted(assigned.values_list("to", flat=True)) == sorted(r.email for r in reviewers)
    assert ReviewAssignment.objects.filter(phase=review_phase).count() == 3

    # 4. A blind reviewer scores, knowing the application only by its pseudonym.
    review = ReviewAssignment.objects.filter(phase=review_phase, application=first).get()
    log_in(page, review.reviewer.email)
    page.goto("/review/")
    row = page.get_by_test_id(f"review-{review.pk}")
    expect(row.get_by_test_id("review-label")).to_contain_text(application_pseudonym(first))
    row.click()
    expect(page.get_by_test_id("review-title")).to_contain_text(application_pseudonym(first))
    page.get_by_test_id(f"score-{criterion.pk}").select_option("5")
    page.fill("textarea[name=comment]", "ปัญหาชัดเจน มีข้อมูลจากพื้นที่")
    html = page.content()
    for secret in (*APPLICANTS, *ORGANISATIONS, first.applicant.email):
        assert secret not in html
    page.get_by_test_id("submit-review").click()
    page.wait_for_url("**/review/")
    assert "วิไล" not in page.content()
    review.refresh_from_db()
    assert review.state == ReviewState.COMPLETED

    # 5. Staff move two applications on to the interviews and publish two slots.
    log_in(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.pk}/selection/")
    page.get_by_test_id(f"move-{first.pk}").check()
    page.get_by_test_id(f"move-{second.pk}").check()
    page.get_by_test_id(f"advance-{review_phase.pk}").click()
    expect(page.get_by_test_id(f"count-{interview_phase.pk}")).to_have_text("2")
    page.get_by_test_id(f"phase-interviews-{interview_phase.pk}").click()
    day = timezone.localdate() + dt.timedelta(days=5)
    form = page.get_by_test_id("publish-form")
    form.locator("input[name=date]").fill(day.isoformat())
    form.locator("input[name=first_start]").fill("09:00")
    form.locator("input[name=count]").fill("2")
    form.locator("input[name=place]").fill("ห้องประชุมมูลนิธิ ชั้น 2")
    page.get_by_test_id("publish-slots").click()
    expect(page.get_by_test_id("slot-table").locator("tbody tr")).to_have_count(2)
    morning = InterviewSlot.objects.filter(phase=interview_phase).order_by("starts_at").first()

    # 6. An applicant books the first slot on a phone.
    page.set_viewport_size(PHONE)
    log_in(page, first.applicant.email)
    page.goto(first.get_absolute_url())
    page.get_by_test_id("interview-link").click()
    page.get_by_test_id(f"book-slot-{morning.pk}").click()
    expect(page.get_by_test_id("booked-time")).to_contain_text("09:00")
    assert InterviewBooking.objects.get(application=first).slot_id == morning.pk

    # 7. Staff stage the decisions; nothing goes out until the batch is sent.
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.goto(f"/staff/cohorts/{cohort.pk}/decisions/")
    # By default the page lists the interview phase (the last with applications): two rows.
    expect(page.get_by_test_id("decisions-table").locator("tbody tr")).to_have_count(2)
    page.get_by_test_id("filter-phase").select_option("all")
    page.get_by_test_id("apply-filter").click()
    expect(page.get_by_test_id("decisions-table").locator("tbody tr")).to_have_count(3)
    page.get_by_test_id(f"status-{first.pk}").select_option(ApplicationStatus.ACCEPTED)
    page.get_by_test_id(f"status-{second.pk}").select_option(ApplicationStatus.WAITLISTED)
    page.get_by_test_id(f"position-{second.pk}").fill("1")
    page.get_by_test_id(f"status-{third.pk}").select_option(ApplicationStatus.REJECTED)
    page.get_by_test_id("save-decisions").click()
    expect(page.get_by_test_id(f"staged-count-{ApplicationStatus.ACCEPTED}")).to_contain_text("1")
    assert decision_emails() == []
    assert not Application.objects.filter(status=ApplicationStatus.ACCEPTED).exists()
    page.get_by_test_id("send-decisions").click()
    page.get_by_test_id("confirm-send").click()
    expect(page.get_by_test_id("send-decisions")).to_have_count(0)

    assert decision_emails() == sorted(
        [
            (first.applicant.email, "cohorts/decision_accepted"),
            (second.applicant.email, "cohorts/decision_waitlisted"),
            (third.applicant.email, "cohorts/decision_rejected"),
        ]
    )
    assert dict(Application.objects.filter(cohort=cohort).values_list("pk", "status")) == {
        first.pk: ApplicationStatus.ACCEPTED,
        second.pk: ApplicationStatus.WAITLISTED,
        third.pk: ApplicationStatus.REJECTED,
    }
