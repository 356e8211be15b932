"""Browser journeys at a phone viewport (Chromium through Playwright, live server)."""

import re
import time

import pytest
from playwright.sync_api import expect

from coaching.enums import MatchStatus, VisitStatus
from coaching.models import Match, Visit, VisitPhoto
from coaching.tests.factories import CoachProfileFactory, jpeg_bytes, leader_of
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ProgramFactory
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def wait_until(check, tries: int = 150) -> bool:
    """Poll the database while the browser works (no timing assertion: it only waits)."""
    for _ in range(tries):
        if check():
            return True
        time.sleep(0.1)
    return False


def photo_file(tmp_path):
    path = tmp_path / "field.jpg"
    path.write_bytes(jpeg_bytes(gps=True))
    return str(path)


def open_visit_form(page, world):
    page.goto("/coaching/")
    page.get_by_role("link", name=world.match.organisation.name).first.click()
    expect(page.get_by_test_id("pair-title")).to_have_text(world.match.organisation.name)
    page.get_by_test_id("log-visit").click()
    page.wait_for_selector("#visit-form[data-ready='1']")


def test_coach_logs_a_visit_with_an_action_and_a_photo(page, world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    log_in(page, world.coach.email)
    open_visit_form(page, world)
    expect(page.get_by_test_id("carried-action")).to_have_count(1)  # the open action of the first visit

    page.fill("input[name=visited_on]", "2026-11-28")
    page.check("input[name=mode][value=on_site]")
    page.fill("input[name=place]", "ศูนย์เรียนรู้บ้านดอย")
    page.check("input[name=phase][value=finance]")
    page.fill("textarea[name=observations]", "ทีมคำนวณต้นทุนต่อหน่วยผลลัพธ์ได้แล้ว")
    page.fill("input[name=costs]", "12000")
    page.fill("input[name=beneficiaries]", "40")
    page.get_by_test_id("action-title").first.fill("สรุปบัญชีรายเดือนส่งโค้ช")
    page.get_by_test_id("action-due").first.fill("2026-12-10")
    page.get_by_test_id("photo-input").set_input_files(photo_file(tmp_path))
    expect(page.get_by_test_id("photo-preview")).to_have_count(1)
    page.get_by_test_id("submit-visit").click()

    expect(page.get_by_test_id("visit-title")).to_be_visible()
    expect(page.get_by_test_id("visit-action")).to_contain_text("สรุปบัญชีรายเดือนส่งโค้ช")
    expect(page.get_by_test_id("visit-photo")).to_have_count(1)
    visit = Visit.objects.exclude(pk=world.visit.pk).get(match=world.match)
    assert (visit.status, str(visit.impact_unit_cost)) == (VisitStatus.SUBMITTED, "300.00")
    assert VisitPhoto.objects.filter(visit=visit).count() == 1


def test_coach_logs_a_visit_offline_and_it_arrives_once_with_its_photo(page, world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    context = page.context
    log_in(page, world.coach.email)
    page.goto("/coaching/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    open_visit_form(page, world)
    page.fill("input[name=visited_on]", "2026-11-29")
    page.fill("textarea[name=observations]", "เริ่มพิมพ์ตอนยังมีสัญญาณ")

    context.set_offline(True)
    page.fill("textarea[name=challenges]", "สัญญาณหายกลางหมู่บ้าน")
    expect(page.get_by_test_id("save-status")).to_have_text(re.compile(r"\S"))
    page.wait_for_timeout(500)  # let the phone keep the last keystrokes (debounced)
    page.reload()
    page.wait_for_selector("#visit-form[data-ready='1']")

    expect(page.locator("textarea[name=observations]")).to_have_value("เริ่มพิมพ์ตอนยังมีสัญญาณ")
    expect(page.locator("textarea[name=challenges]")).to_have_value("สัญญาณหายกลางหมู่บ้าน")
    page.get_by_test_id("photo-input").set_input_files(photo_file(tmp_path))
    expect(page.get_by_test_id("photo-preview")).to_have_count(1)
    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("queued-message")).to_be_visible()
    assert not Visit.objects.filter(observations="เริ่มพิมพ์ตอนยังมีสัญญาณ", status=VisitStatus.SUBMITTED).exists()

    context.set_offline(False)
    page.evaluate("window.coachingOutbox.flush()")  # the 'online' event does the same; twice is harmless
    page.evaluate("window.coachingOutbox.flush()")

    assert wait_until(
        lambda: Visit.objects.filter(observations="เริ่มพิมพ์ตอนยังมีสัญญาณ", status=VisitStatus.SUBMITTED).exists()
    )
    visits = Visit.objects.filter(observations="เริ่มพิมพ์ตอนยังมีสัญญาณ")
    assert visits.count() == 1
    assert visits.get().challenges == "สัญญาณหายกลางหมู่บ้าน"
    assert wait_until(lambda: VisitPhoto.objects.filter(visit=visits.get()).count() == 1)


def test_staff_run_matching_change_a_pair_and_confirm(page, transactional_db):
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status="running")
    staff = UserFactory(email="staff-m@example.org", is_staff=True)
    program.staff.add(staff)
    north = OrganisationFactory(name="กลุ่มรักษ์ป่าน่าน", province="TH-55", region="north", needs=["finance"])
    south = OrganisationFactory(name="สหกรณ์ประมงพังงา", province="TH-82", region="south", needs=["team"])
    leaders = {org.pk: leader_of(type("M", (), {"cohort": cohort, "organisation": org})()) for org in (north, south)}
    finance = CoachProfileFactory(
        user=UserFactory(email="fin@example.org", full_name="Finance Coach"), skills=["finance"],
        home_province="TH-50", cohorts=[cohort],
    )  # fmt: skip
    team = CoachProfileFactory(
        user=UserFactory(email="team@example.org", full_name="Team Coach"), skills=["team"], home_province="TH-82",
        cohorts=[cohort],
    )  # fmt: skip
    log_in(page, staff.email)

    page.goto(f"/coaching/staff/cohorts/{cohort.pk}/matching/")
    page.get_by_test_id("run-matching").click()
    rows = page.get_by_test_id("match-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=north.name)).to_contain_text("Finance Coach")
    north_row = rows.filter(has_text=north.name)
    north_row.get_by_test_id("alternative-select").select_option(str(team.pk))
    north_row.get_by_test_id("change-pair").click()
    expect(page.get_by_test_id("match-row").filter(has_text=north.name)).to_contain_text("Team Coach")
    page.get_by_test_id("confirm-all").click()
    expect(page.get_by_test_id("confirm-all")).to_have_count(0)

    matches = {m.organisation_id: m for m in Match.objects.filter(cohort=cohort)}
    assert {o: (m.coach_id, m.status) for o, m in matches.items()} == {
        north.pk: (team.pk, MatchStatus.CONFIRMED),
        south.pk: (team.pk, MatchStatus.CONFIRMED),
    }
    emailed = set(
        OutboundEmail.objects.filter(template__startswith="coaching/match_confirmed").values_list("to", flat=True)
    )
    assert emailed == {"team@example.org", leaders[north.pk].email, leaders[south.pk].email}
    assert finance.user.email not in emailed


def test_leader_reads_the_visit_and_marks_their_action_done(page, world):
    log_in(page, world.leader.email)

    page.goto("/coaching/")
    card = page.get_by_test_id("led-card")
    expect(card).to_contain_text(world.coach.email)
    expect(card).to_contain_text(world.action.title)
    card.locator("select[name=status]").select_option("done")
    card.get_by_role("button").click()

    expect(page.get_by_test_id("led-card")).not_to_contain_text(world.action.title)
    world.action.refresh_from_db()
    assert world.action.status == "done"
    page.goto(f"/coaching/visits/{world.visit.pk}/")
    expect(page.get_by_test_id("visit-observations")).to_have_text(world.visit.observations)


def test_researcher_filters_visits_and_cannot_change_anything(page, world):
    log_in(page, world.researcher.email)

    page.goto("/coaching/")
    page.get_by_test_id("visits-list-link").click()
    expect(page.get_by_test_id("visit-row")).to_have_count(1)
    page.locator("select[name=phase]").select_option("finance")
    page.get_by_role("button", name=re.compile("Filter|กรอง")).click()
    expect(page.get_by_test_id("visit-row")).to_have_count(0)
    response = page.request.get("/coaching/visits/export.csv")
    assert world.visit.observations in response.text()
    assert page.request.get(f"/coaching/pairs/{world.match.pk}/").status == 404
