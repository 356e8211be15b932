"""A newcomer's first visit, in Chromium: Thai home page, English switch, sign-up,
verification email through the outbox, verification link, log in."""

import re

import pytest

from incubator.enums import EmailState
from incubator.models import OutboundEmail

pytestmark = pytest.mark.browser


def test_newcomer_signs_up_verifies_by_email_and_logs_in(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "th"
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Open calls").is_visible()
    page.get_by_role("button", name="ไทย").click()
    assert page.locator("html").get_attribute("lang") == "th"

    page.goto("/accounts/signup/")
    page.fill("input[name=full_name]", "สมหญิง รักษ์ถิ่น")
    page.fill("input[name=email]", "somying@example.org")
    page.fill("input[name=password1]", "a-long-and-unusual-passphrase-42")
    page.fill("input[name=password2]", "a-long-and-unusual-passphrase-42")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/confirm-email/")

    email = OutboundEmail.objects.get(to="somying@example.org")
    assert email.state == EmailState.SENT
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", email.body_text).group(0)
    page.goto(link.split("/accounts/", 1)[1].join(["/accounts/", ""]))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # confirming signs the newcomer in
    assert page.get_by_test_id("signed-in-as").inner_text() == "สมหญิง รักษ์ถิ่น"

    page.get_by_role("button", name="Menu").or_(page.get_by_role("button", name="เมนู")).click()
    with page.expect_navigation():  # the logout lands before the next page is asked for
        page.locator("nav form[action='/accounts/logout/'] button").click()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "somying@example.org")
    page.fill("input[name=password]", "a-long-and-unusual-passphrase-42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert page.get_by_test_id("signed-in-as").inner_text() == "สมหญิง รักษ์ถิ่น"
