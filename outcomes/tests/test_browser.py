"""Browser journeys on a phone (390x844, Chromium through Playwright, live server), in Thai."""

import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from coaching.tests.factories import CoachProfileFactory, MatchFactory, leader_of
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ProgramFactory
from incubator.tests.factories import PASSWORD, UserFactory
from outcomes.models import Measurement, Worksheet, WorksheetReceipt

pytestmark = pytest.mark.browser


def log_in_thai(page, base_url: str, email: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "th", "url": base_url}])
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


@pytest.fixture
def pair(transactional_db):
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status="running")
    org = OrganisationFactory(name="วิสาหกิจชุมชนบ้านดอย", province="TH-57", region="north")
    coach = CoachProfileFactory(user=UserFactory(email="coach@example.org"), cohorts=[cohort])
    match = MatchFactory(cohort=cohort, coach=coach, organisation=org)
    leader = leader_of(match, UserFactory(email="leader@example.org", full_name="บุญมี ผู้นำชุมชน"))
    return {"cohort": cohort, "org": org, "leader": leader}


def test_leader_fills_a_worksheet_offline_and_it_arrives_once(page, live_server, pair):
    context = page.context
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in_thai(page, live_server.url, pair["leader"].email)
    page.goto("/coaching/")
    page.get_by_test_id("outcomes-link").first.click()
    expect(page.get_by_test_id("organisation-title")).to_have_text("วิสาหกิจชุมชนบ้านดอย")
    page.get_by_test_id("worksheet-link-after-3").click()
    page.wait_for_selector("#worksheet-form[data-ready='1']")
    expect(page.get_by_test_id("worksheet-title")).to_have_text("หลังเวิร์กช็อปที่ 3")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now through the service worker, which keeps the page for a place without signal
    page.wait_for_selector("#worksheet-form[data-ready='1']")
    page.fill("input[name=ind_paid_staff]", "4")
    page.fill("input[name=ind_volunteers]", "18")

    context.set_offline(True)
    page.fill("input[name=ind_second_line_leaders]", "2")
    page.check("input[name=ind_wellbeing][value='4']")
    page.fill("textarea[name=note]", "มีผู้นำรุ่นที่สองดูแลงานขาย")
    expect(page.get_by_test_id("save-status")).to_have_text(re.compile(r"\S"))
    page.wait_for_timeout(500)  # let the phone keep the last keystrokes (debounced)
    page.reload()
    page.wait_for_selector("#worksheet-form[data-ready='1']")
    expect(page.locator("input[name=ind_paid_staff]")).to_have_value("4")
    expect(page.locator("input[name=ind_second_line_leaders]")).to_have_value("2")
    expect(page.locator("input[name=ind_wellbeing][value='4']")).to_be_checked()
    expect(page.locator("textarea[name=note]")).to_have_value("มีผู้นำรุ่นที่สองดูแลงานขาย")
    page.get_by_test_id("submit-worksheet").click()
    expect(page.get_by_test_id("queued-message")).to_be_visible()
    expect(page.get_by_test_id("queued-message")).to_contain_text("ไม่มีสัญญาณ")
    assert not Measurement.objects.exists()

    context.set_offline(False)
    page.evaluate("window.outcomesOutbox.flush()")  # the 'online' event does the same; twice is harmless
    page.evaluate("window.outcomesOutbox.flush()")

    assert wait_until(lambda: Worksheet.objects.filter(status="submitted").exists())
    sheet = Worksheet.objects.get()
    assert WorksheetReceipt.objects.filter(worksheet=sheet).count() == 1
    values = {m.indicator.code: int(m.value) for m in Measurement.objects.select_related("indicator")}
    assert values == {"paid_staff": 4, "volunteers": 18, "second_line_leaders": 2, "wellbeing": 4}
    assert sheet.note == "มีผู้นำรุ่นที่สองดูแลงานขาย"

    page.goto(f"/outcomes/cohorts/{pair['cohort'].pk}/organisations/{pair['org'].pk}/")
    expect(page.get_by_test_id("worksheet-link-after-3").locator("xpath=..")).to_contain_text("ส่งแล้ว")
    expect(page.locator("canvas#outcome-chart-8")).to_be_visible()  # paid staff
    assert page.evaluate("Chart.getChart('outcome-chart-8').data.datasets[0].data") == [4]  # drawn by Chart.js
    page.screenshot(path="test-results/outcomes-organisation-phone.png", full_page=True)
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
    expect(page.get_by_test_id("changes-table")).to_contain_text("เจ้าหน้าที่ที่มีค่าตอบแทน")
