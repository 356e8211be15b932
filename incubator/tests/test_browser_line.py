"""LINE in Chromium on a phone: a participant links LINE from the account area through the
(fake) LINE Login, adds the account as a friend, and chooses LINE for workshop reminders; a
newcomer signs up with LINE."""

import re

import pytest

from incubator.enums import ChannelChoice, MessageKind
from incubator.models import LineContact, MessageChannel
from incubator.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def line_login(settings, fake_line):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "line": {**settings.SOCIALACCOUNT_PROVIDERS["line"], "APPS": [{"client_id": "165", "secret": "s"}]}
    }
    return fake_line


def _log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_participant_links_line_and_chooses_line_for_workshop_reminders(page, line_login):
    person = UserFactory(email="somying@example.org", full_name="สมหญิง ใจดี")
    _log_in(page, person.email)
    page.goto("/accounts/messages/")
    assert "ยังไม่ได้เชื่อมกับ LINE" in page.get_by_test_id("line-status").inner_text()
    assert page.locator("input[value=line]").count() == 0  # LINE is offered only once reachable

    page.get_by_test_id("line-connections").click()
    page.locator("a[href*='/accounts/line/login/']").first.click()
    page.locator("main form button[type=submit]").click()  # "Continue" to LINE
    page.wait_for_url(f"{line_login.url}/oauth2/v2.1/authorize?**")
    assert "aggressive" in page.content()  # the add-friend prompt is asked for
    page.fill("input[name=fake_user_id]", "U0123456789")
    page.locator("#fake-line-allow").click()
    page.wait_for_url("**/accounts/3rdparty/**")

    page.goto("/accounts/messages/")
    assert "เป็นเพื่อนกับท่าน" in page.get_by_test_id("line-status").inner_text()
    page.locator(f"input[name={MessageKind.WORKSHOP}][value=line]").check()
    page.locator("#save-channels").click()
    page.wait_for_url("**/accounts/messages/")
    assert page.locator(f"input[name={MessageKind.WORKSHOP}][value=line]").is_checked()
    contact = LineContact.objects.get(line_user_id="U0123456789")
    assert (contact.user_id, contact.is_friend) == (person.pk, True)
    choice = MessageChannel.objects.get(user=person, kind=MessageKind.WORKSHOP)
    assert choice.channel == ChannelChoice.LINE


def test_newcomer_signs_up_with_line(page, line_login):
    page.goto("/accounts/login/")
    page.locator("a[href*='/accounts/line/login/']").first.click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{line_login.url}/oauth2/v2.1/authorize?**")
    page.fill("input[name=fake_user_id]", "U9876543210")
    page.fill("input[name=fake_name]", "ลุงมา ใจดี")
    page.fill("input[name=fake_email]", "lung-ma@example.org")
    page.locator("#fake-line-allow").click()
    page.wait_for_url("**/accounts/confirm-email/")  # the address LINE gave is verified as usual
    contact = LineContact.objects.get(line_user_id="U9876543210")
    assert contact.user.email == "lung-ma@example.org"
    assert contact.user.full_name == "ลุงมา ใจดี"
    assert contact.is_friend is True
