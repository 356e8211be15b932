"""Selection in Chromium: a reviewer scores on a phone; program staff accept from the admin;
the applicant sees the decision and gets the email.

Issue: "a reviewer scores; staff accept from admin and the applicant sees the decision and
gets the email". Elements are found by test ids, roles, field names and URLs, not by
translated text; where a test reads a label, it computes it with Django's translation
machinery in the language the person sees. Set SELECTION_SCREENSHOTS to a folder (e.g. /tmp)
to keep screenshots of the scoring page (phone) and of the admin changelist (desktop).
"""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from cohorts import enums
from cohorts.models import Application, Participant, ReviewAssignment
from cohorts.services.reviews import review_assign, review_submit_scores, staff_grant_program_role
from cohorts.tests.factories import (
    CohortFactory,
    CriterionFactory,
    OrganisationFactory,
    ProgramFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from incubator.enums import EmailState
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MOTIVATION = "อยากขยายเครือข่ายธนาคารปูม้าให้ครบทุกหมู่บ้านริมอ่าวพังงา"
HIDDEN_MOTIVATION = "แผนฟื้นฟูป่าต้นน้ำร่วมกับโรงเรียนในอำเภอเชียงของ"


def label(choice, language: str = "th") -> str:
    with translation.override(language):
        return str(choice.label)


def screenshot(page, name: str) -> None:
    if folder := os.environ.get("SELECTION_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def open_menu(page) -> None:
    """The navigation is collapsed behind the menu button on a phone."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_test_id("signed-in-as")).to_be_attached()


def rubric(cohort):
    """Three criteria scored 1-5, the first weighing double."""
    return [
        CriterionFactory(cohort=cohort, order=1, name="ความชัดเจนของปัญหา", weight=Decimal("2")),
        CriterionFactory(cohort=cohort, order=2, name="ศักยภาพของทีม", weight=Decimal("1")),
        CriterionFactory(cohort=cohort, order=3, name="ผลกระทบต่อชุมชน", weight=Decimal("1")),
    ]


def test_reviewer_scores_an_assigned_application_and_declares_a_conflict_on_another(page):
    cohort = CohortFactory(name="รุ่นที่ 4")
    criteria = rubric(cohort)
    lead = UserFactory(email="staff@example.org")
    reviewer = UserFactory(email="reviewer@example.org", full_name="วิภา ผู้ทบทวน")
    scored = SubmittedApplicationFactory(
        cohort=cohort,
        applicant__full_name="สุดา ทะเลงาม",
        organisation=OrganisationFactory(name="กลุ่มอนุรักษ์ปูม้าบ้านท่าเรือ"),
        motivation=MOTIVATION,
    )
    conflicted = SubmittedApplicationFactory(
        cohort=cohort,
        applicant__full_name="ประยุทธ ต้นน้ำ",
        organisation=OrganisationFactory(name="เครือข่ายป่าต้นน้ำเชียงของ"),
        motivation=HIDDEN_MOTIVATION,
    )
    not_mine = SubmittedApplicationFactory(cohort=cohort, applicant__full_name="มานพ ไม่เกี่ยวข้อง")
    first = review_assign(application=scored, reviewer=reviewer, by=lead)
    second = review_assign(application=conflicted, reviewer=reviewer, by=lead)
    review_assign(application=not_mine, reviewer=UserFactory(), by=lead)

    # Logs in on the phone and opens Reviews: only the two assigned applications.
    log_in(page, reviewer.email)
    open_menu(page)
    page.get_by_test_id("nav-reviews").click()
    page.wait_for_url("**/review/")
    rows = page.get_by_test_id("review-list").locator("a.list-group-item")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id(f"review-{first.pk}")).to_contain_text("สุดา ทะเลงาม")
    expect(page.get_by_test_id(f"review-{second.pk}")).to_contain_text("ประยุทธ ต้นน้ำ")
    expect(page.locator("main")).not_to_contain_text("มานพ ไม่เกี่ยวข้อง")
    expect(page.get_by_test_id("pending-count")).to_contain_text("2")

    # Opens the first one, reads it, scores each criterion with a comment and submits.
    page.get_by_test_id(f"review-{first.pk}").click()
    page.wait_for_url(f"**/review/{first.pk}/")
    expect(page.get_by_test_id("application-content")).to_contain_text(MOTIVATION)
    expect(page.get_by_test_id("review-state")).to_have_text(label(enums.ReviewState.PENDING))
    given = {criteria[0].pk: 5, criteria[1].pk: 4, criteria[2].pk: 3}
    for criterion in criteria:
        page.get_by_test_id(f"score-{criterion.pk}").select_option(str(given[criterion.pk]))
        page.get_by_test_id(f"comment-{criterion.pk}").fill(f"ความเห็นต่อ{criterion.name}")
    page.fill("textarea[name=comment]", "ทีมเข้าใจพื้นที่ดีมาก ควรสัมภาษณ์เพิ่มเรื่องงบประมาณ")
    screenshot(page, "review_page.png")
    page.get_by_test_id("submit-review").click()

    # Back on the list: the first is marked scored, with its weighted score (5, 4, 3 -> 81/100).
    page.wait_for_url("**/review/")
    expect(page.get_by_role("alert")).to_contain_text("สุดา ทะเลงาม")
    row = page.get_by_test_id(f"review-{first.pk}")
    expect(row.locator(".badge")).to_have_text(label(enums.ReviewState.COMPLETED))
    expect(row).to_contain_text("81/100")
    expect(page.get_by_test_id(f"review-{second.pk}").locator(".badge")).to_have_text(label(enums.ReviewState.PENDING))
    expect(page.get_by_test_id("pending-count")).to_contain_text("1")
    first.refresh_from_db()
    assert first.state == enums.ReviewState.COMPLETED
    assert first.comment == "ทีมเข้าใจพื้นที่ดีมาก ควรสัมภาษณ์เพิ่มเรื่องงบประมาณ"
    assert {s.criterion_id: (s.score, s.comment) for s in first.scores.select_related("criterion")} == {
        c.pk: (given[c.pk], f"ความเห็นต่อ{c.name}") for c in criteria
    }

    # The second: knows the applicant, so declares a conflict of interest with a reason.
    page.get_by_test_id(f"review-{second.pk}").click()
    page.wait_for_url(f"**/review/{second.pk}/")
    expect(page.get_by_test_id("application-content")).to_contain_text(HIDDEN_MOTIVATION)
    page.get_by_test_id("conflict-reason").fill("เคยเป็นที่ปรึกษาให้เครือข่ายนี้เมื่อปีที่แล้ว")
    page.get_by_test_id("declare-conflict").click()
    page.wait_for_url("**/review/")
    expect(page.get_by_test_id(f"review-{second.pk}").locator(".badge")).to_have_text(label(enums.ReviewState.CONFLICT))
    expect(page.get_by_test_id("pending-count")).to_contain_text("0")

    # Its content is hidden from now on: the reason shows, the application and the form do not.
    page.get_by_test_id(f"review-{second.pk}").click()
    page.wait_for_url(f"**/review/{second.pk}/")
    expect(page.get_by_test_id("conflict-notice")).to_contain_text("เคยเป็นที่ปรึกษาให้เครือข่ายนี้เมื่อปีที่แล้ว")
    expect(page.get_by_test_id("application-content")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(HIDDEN_MOTIVATION)
    expect(page.locator("main select")).to_have_count(0)
    expect(page.get_by_test_id("declare-conflict")).to_have_count(0)
    second.refresh_from_db()
    assert (second.state, second.conflict_reason) == (
        enums.ReviewState.CONFLICT,
        "เคยเป็นที่ปรึกษาให้เครือข่ายนี้เมื่อปีที่แล้ว",
    )
    assert not second.scores.exists()


def test_staff_accept_the_best_application_from_the_admin_and_the_applicant_sees_it(page, live_server):
    program = ProgramFactory(name="อินทราพรีเนอร์เพื่อการเปลี่ยนแปลง", name_en="Intrapreneur for Change")
    cohort = CohortFactory(program=program, name="รุ่นที่ 7")
    track = TrackFactory(cohort=cohort, kind=enums.TrackKind.INTRAPRENEUR, name="อินทราพรีเนอร์")
    criteria = rubric(cohort)
    staff = UserFactory(email="lead@example.org", full_name="ชไมพร ผู้ประสานงาน")
    staff_grant_program_role(user=staff, program=program)
    applicant = UserFactory(email="kanya@example.org", full_name="Kanya Jaidee", preferred_language="en")
    best = SubmittedApplicationFactory(cohort=cohort, track=track, applicant=applicant, employer="ธนาคารออมสิน")
    fair = SubmittedApplicationFactory(cohort=cohort, track=track, applicant__full_name="สมศักดิ์ พอใช้")
    waiting = SubmittedApplicationFactory(cohort=cohort, track=track, applicant__full_name="อรุณี รอผล")
    SubmittedApplicationFactory(applicant__full_name="ผู้สมัคร โครงการอื่น")  # another program's

    def scores(application, reviewer, values):
        review = review_assign(application=application, reviewer=reviewer, by=staff)
        review_submit_scores(
            review=review, by=reviewer, scores=dict(zip([c.pk for c in criteria], values, strict=True))
        )

    first, second = UserFactory(), UserFactory()
    scores(best, first, [5, 4, 3])  # 81.25
    scores(best, second, [4, 5, 5])  # 87.5 -> 84.4 over both reviews
    scores(fair, first, [2, 2, 2])  # 25.0
    review_assign(application=waiting, reviewer=second, by=staff)  # not scored yet

    # Logs in on a desktop and goes to the admin, then to Applications of this cohort.
    page.set_viewport_size(DESKTOP)
    log_in(page, staff.email)
    page.locator("#nav a[href='/admin/']").click()
    page.wait_for_url("**/admin/")
    page.locator("#content-main a[href='/admin/cohorts/application/']").first.click()
    page.wait_for_url("**/admin/cohorts/application/")
    expect(page.locator("#result_list")).not_to_contain_text("ผู้สมัคร โครงการอื่น")
    page.locator(f"#changelist-filter a[href='?cohort={cohort.pk}']").click()
    page.wait_for_url(f"**/admin/cohorts/application/?cohort={cohort.pk}")

    # The ranked list: best weighted score first, the unscored one last.
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Kanya Jaidee")
    expect(rows.nth(0).locator("td.field-weighted_score")).to_have_text("84.4")
    expect(rows.nth(0).locator("td.field-reviews")).to_have_text("2/2")
    expect(rows.nth(1)).to_contain_text("สมศักดิ์ พอใช้")
    expect(rows.nth(1).locator("td.field-weighted_score")).to_have_text("25.0")
    expect(rows.nth(2)).to_contain_text("อรุณี รอผล")
    expect(rows.nth(2).locator("td.field-weighted_score")).to_have_text("–")
    expect(page.get_by_test_id("status-counts")).to_contain_text(label(enums.ApplicationStatus.UNDER_REVIEW))
    screenshot(page, "admin_changelist.png")

    # Selects the best application, runs "accept", and confirms on the confirmation page.
    page.locator(f"input[name=_selected_action][value='{best.pk}']").check()
    page.locator("select[name=action]").select_option("decide_accepted")
    page.locator("button[name=index]").click()
    expect(page.locator("body.decide-confirmation")).to_be_visible()
    expect(page.locator("#content table")).to_contain_text("kanya@example.org")
    expect(page.locator("#content table")).not_to_contain_text("สมศักดิ์ พอใช้")
    page.locator("#content form input[type=submit]").click()

    page.wait_for_url(f"**/admin/cohorts/application/?cohort={cohort.pk}")
    expect(page.locator("ul.messagelist li.success")).to_contain_text(label(enums.ApplicationStatus.ACCEPTED))
    expect(rows.nth(0).locator("td.field-status")).to_have_text(label(enums.ApplicationStatus.ACCEPTED))
    best.refresh_from_db()
    assert best.status == enums.ApplicationStatus.ACCEPTED
    assert best.history.first().history_user == staff
    assert Application.objects.get(pk=fair.pk).status == enums.ApplicationStatus.UNDER_REVIEW
    participant = Participant.objects.get(cohort=cohort, user=applicant)
    assert (participant.role, participant.application_id, participant.is_active) == (
        enums.ParticipantRole.INTRAPRENEUR,
        best.pk,
        True,
    )
    assert list(Participant.objects.filter(cohort=cohort).values_list("user", flat=True)) == [applicant.pk]

    # The decision email went out through the outbox, in the applicant's language (English).
    email = OutboundEmail.objects.get(key=f"decision:{best.pk}:accepted")
    assert (email.to, email.state, email.language, email.recipient_user) == (
        "kanya@example.org",
        EmailState.SENT,
        "en",
        applicant,
    )
    assert "Intrapreneur for Change" in email.subject
    assert "อินทราพรีเนอร์เพื่อการเปลี่ยนแปลง" not in email.subject
    assert "Kanya Jaidee" in email.body_text
    assert f"/applications/{best.pk}/" in email.body_text

    # The applicant, on their phone in another browser, logs in and opens My applications.
    context = page.context.browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        phone = context.new_page()
        log_in(phone, applicant.email)
        open_menu(phone)
        phone.locator("#nav a[href='/applications/']").click()
        phone.wait_for_url("**/applications/")
        row = phone.get_by_test_id("application-row").filter(has_text=cohort.name)
        accepted = label(enums.ApplicationStatus.ACCEPTED, "en")
        expect(row.get_by_test_id("application-status")).to_have_text(accepted)
        row.locator(f"a[href='/applications/{best.pk}/']").click()
        phone.wait_for_url(f"**/applications/{best.pk}/")
        expect(phone.get_by_test_id("application-status")).to_have_text(accepted)
    finally:
        context.close()
    assert ReviewAssignment.objects.filter(application=best, state=enums.ReviewState.COMPLETED).count() == 2
