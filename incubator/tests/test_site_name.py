"""Every email names the platform (`SITE_NAME`): allauth's account emails and ours."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incubator.mail import render_email
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-42"


def _signup(client, email):
    return client.post(
        reverse("account_signup"),
        {"full_name": "สมชาย ใจดี", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _account_emails(client) -> list[OutboundEmail]:
    """Verification, "already has an account", password reset, and reset for an unknown address."""
    _signup(client, "new@example.org")
    UserFactory(email="known@example.org")
    client.logout()
    _signup(client, "known@example.org")
    client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    return list(OutboundEmail.objects.order_by("pk"))


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_account_email_names_the_platform(client, settings, language):
    settings.SITE_NAME = "เครือข่ายบ่มเพาะสังคม"
    client.cookies["django_language"] = language
    client.post(reverse("set_language"), {"language": language, "next": "/"})

    emails = _account_emails(client)

    kinds = {email.key.split(":")[1] for email in emails}
    assert {"email_confirmation_signup", "account_already_exists", "password_reset_key", "unknown_account"} <= kinds
    for email in emails:
        assert "เครือข่ายบ่มเพาะสังคม" in email.body_text, email.key
        assert "จาก !" not in email.body_text
        assert "from !" not in email.body_text


def test_the_default_site_name_is_thai_in_thai_and_english_in_english(client):
    _signup(client, "th@example.org")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.logout()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    _signup(client, "en@example.org")

    thai = OutboundEmail.objects.get(to="th@example.org").body_text
    english = OutboundEmail.objects.get(to="en@example.org").body_text
    assert "สวัสดีจาก ระบบบ่มเพาะ" in thai
    assert "Hello from Incubator!" in english


@pytest.mark.parametrize(
    "template",
    [
        "cohorts/application_submitted",
        "cohorts/deadline_reminder",
        "cohorts/decision_accepted",
        "cohorts/decision_rejected",
        "cohorts/decision_shortlisted",
        "cohorts/decision_waitlisted",
        "cohorts/phase_moved",
        "incubator/test",
    ],
)
def test_every_email_of_ours_names_the_platform(settings, template):
    settings.SITE_NAME = "เครือข่ายบ่มเพาะสังคม"
    context = {"deadline": timezone.now() + timedelta(days=3), "time_left": "3 วัน", "name": "สมชาย"}

    rendered = render_email(template=template, context=context, language="th")

    assert "เครือข่ายบ่มเพาะสังคม" in rendered.body_text
    if rendered.body_html:
        assert "เครือข่ายบ่มเพาะสังคม" in rendered.body_html
