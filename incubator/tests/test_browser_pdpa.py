"""The PDPA download in Chromium on a phone, in Thai: a person asks for their data from the
account menu, opens the emailed link (read from the outbox) and gets the ZIP; the link does
not work a second time; then they ask for their account to be deleted."""

import json
import re
import zipfile

import pytest

from incubator.models import ErasureRequest, OutboundEmail
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_person_downloads_their_data_once_then_asks_for_deletion(page, live_server, settings):
    settings.SITE_URL = live_server.url
    person = UserFactory(email="somying@example.org", full_name="สมหญิง ใจดี", phone="0812345678")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "th", "url": live_server.url}])
    page.goto("/accounts/login/")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))

    page.locator(".navbar-toggler").click()
    page.get_by_test_id("nav-my-data").click()
    page.wait_for_url("**/accounts/my-data/")
    assert "ข้อมูลของท่าน" in page.locator("h1").inner_text()
    page.locator("#request-data").click()
    page.wait_for_url("**/accounts/my-data/")
    assert "อีเมล" in page.locator(".alert-success").inner_text()

    email = OutboundEmail.objects.get(template="incubator/data_export_ready", recipient_user=person)
    link = re.search(r"https?://\S+", email.body_text).group(0)
    with page.expect_download() as info:
        page.evaluate("url => { window.location.href = url; }", link)
    path = info.value.path()
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
        summary = archive.read("summary.html").decode()
    assert data["sections"]["account"][0]["full_name"] == "สมหญิง ใจดี"
    assert "0812345678" in summary

    page.goto(link)
    assert "ใช้ไปแล้ว" in page.get_by_test_id("link-refused").inner_text()

    page.goto("/accounts/my-data/")
    page.get_by_test_id("erasure-link").click()
    page.wait_for_url("**/accounts/my-data/delete/")
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=confirm]").check()
    page.locator("#request-erasure").click()
    page.wait_for_url("**/accounts/my-data/delete/")
    assert "30 วัน" in page.get_by_test_id("erasure-pending").inner_text()
    assert ErasureRequest.objects.filter(user=person, done_at__isnull=True).count() == 1
