"""Each kind of person who sees other people's data turns on two-factor login on a phone, with
a code computed here as their authenticator app would: within the grace period from the
banner, after it because every page sends them to enrolment; then logging in asks for the code."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.tests.test_two_factor import code_now, make, mfa_grace  # noqa: F401 (a fixture)
from incubator.models import TwoFactorGrace
from incubator.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("mfa_grace")]


def _log_in(page, user, next_url="/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize(
    ("kind", "grace_over"),
    [("superuser", True), ("program_staff", True), ("researcher", True), ("reviewer", False), ("coach", False)],
)
def test_enrols_with_an_authenticator_app_and_logs_in_with_a_code(page, kind, grace_over):
    user = make(kind)
    started = timezone.now() - timedelta(days=8 if grace_over else 2)
    TwoFactorGrace.objects.create(user=user, since=started)

    _log_in(page, user, "/admin/" if user.is_staff else "/")
    if grace_over:
        page.wait_for_url(re.compile(r"/accounts/(reauthenticate|2fa/totp/activate)/"))
    else:
        banner = page.get_by_test_id("two-factor-banner")
        expect(banner).to_contain_text("5")
        banner.get_by_role("link").click()
    page.wait_for_url("**/accounts/reauthenticate/**")  # allauth asks for the password once more
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/**")
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", code_now(secret, margin=8))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/(?!totp/activate)"))  # past the form: the code was taken

    page.goto("/admin/" if user.is_staff else "/")
    assert "/accounts/" not in page.url
    expect(page.get_by_test_id("two-factor-banner")).to_have_count(0)

    page.context.clear_cookies()
    _log_in(page, user)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", code_now(secret, margin=8))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    assert page.get_by_test_id("signed-in-as").count() == 1
