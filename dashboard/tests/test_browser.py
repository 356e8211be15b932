"""Browser journeys in Chromium at 390x844, in Thai: staff open the cohort dashboard, follow a
figure to the list behind it and export the report; a leader consents to the showcase and an
anonymous visitor then sees the organisation on it; a researcher downloads the dataset.

Elements are found by test ids, names and URLs, not by translated text. A picture of the
report's print page is kept under test-results/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dashboard.models import ResearchExport
from dashboard.tests.factories import build_world
from incubator.tests.factories import PASSWORD

pytestmark = pytest.mark.browser

RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def _refusals(page) -> list[str]:
    """The Content-Security-Policy refusals the console reports (none: no inline script)."""
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    return refused


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "th", "url": page.url}])
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_test_id("signed-in-as")).to_be_attached()


def open_menu(page) -> None:
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()


def test_staff_open_the_dashboard_follow_a_figure_and_export_the_report(page):
    world = build_world(organisations=3, seed=7)
    refused = _refusals(page)
    log_in(page, world.staff.email)

    open_menu(page)
    page.get_by_test_id("nav-dashboard").click()
    page.locator(f"a[href='/staff/dashboard/cohorts/{world.cohort.pk}/']").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_test_id("figure-accepted")).to_contain_text("3")
    expect(page.locator("canvas[data-chart='chart-funnel']")).to_be_visible()
    assert page.evaluate("() => !!window.Chart && Object.keys(window.Chart.instances).length") >= 3

    page.get_by_test_id("figure-accepted").click()  # the list behind the figure
    page.wait_for_url(re.compile(r"/admin/cohorts/application/\?.*status__exact=accepted"))
    expect(page.locator("#result_list tbody tr")).to_have_count(3)

    page.go_back()
    page.get_by_test_id("report-print").click()
    expect(page.get_by_test_id("report-title")).to_be_visible()
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "dashboard-report-print.png"), full_page=True)
    with page.expect_download() as download:
        page.locator(f"a[href='/staff/dashboard/cohorts/{world.cohort.pk}/report.pdf']").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert refused == []


def test_a_leader_consents_and_a_visitor_sees_the_showcase_until_withdrawn(page):
    world = build_world(organisations=2, seed=8)
    organisation = world.organisations[0].name
    refused = _refusals(page)
    log_in(page, world.leaders[0].email)
    page.goto("/showcase/consent/")
    expect(page.get_by_test_id("consent-item")).to_have_count(1)  # only the leader's organisation
    page.locator("button[name=action][value=give]").click()
    expect(page.locator("button[name=action][value=withdraw]")).to_be_visible()

    base = re.match(r"https?://[^/]+", page.url).group(0)
    visitor = page.context.browser.new_context(base_url=base, viewport={"width": 390, "height": 844}).new_page()
    visitor.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "th", "url": base}])
    visitor_refused = _refusals(visitor)
    visitor.goto(f"/showcase/{world.cohort.slug}/")
    expect(visitor.get_by_test_id("showcase-entry")).to_have_count(1)
    expect(visitor.get_by_test_id("showcase-entry")).to_contain_text(organisation)
    assert visitor.locator("meta[property='og:title']").count() == 1
    assert world.leaders[0].email not in visitor.content()

    page.locator("button[name=action][value=withdraw]").click()
    expect(page.locator("button[name=action][value=give]")).to_be_visible()
    visitor.reload()
    expect(visitor.get_by_test_id("showcase-entry")).to_have_count(0)
    visitor.context.close()
    assert refused == []
    assert visitor_refused == []


def test_a_researcher_downloads_the_de_identified_dataset(page):
    world = build_world(organisations=2, seed=9)
    log_in(page, world.researcher.email)
    page.goto("/research/export/")
    page.locator(f"input[name=cohorts][value='{world.cohort.pk}']").check()
    with page.expect_download() as download:
        page.locator("input[name=export]").click()
    assert Path(download.value.path()).read_bytes().startswith(b"PK")
    assert ResearchExport.objects.filter(user=world.researcher).count() == 1
