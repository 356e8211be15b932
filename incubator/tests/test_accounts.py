import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.urls import reverse

from incubator.enums import EmailState
from incubator.models import OutboundEmail
from incubator.tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "a-long-and-unusual-passphrase-42"


def _signup(client, email="somchai@example.org", password=GOOD_PASSWORD):
    with_callbacks = {
        "full_name": "สมชาย ใจดี",
        "email": email,
        "phone": "081-234-5678",
        "password1": password,
        "password2": password,
    }
    return client.post(reverse("account_signup"), with_callbacks)


def test_signup_queues_a_verification_email_in_the_outbox_and_the_worker_sends_it(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="somchai@example.org")
    assert user.full_name == "สมชาย ใจดี"
    assert user.phone == "081-234-5678"
    email = OutboundEmail.objects.get(to="somchai@example.org")
    assert email.state == EmailState.SENT
    assert email.language == "th"
    assert email.recipient_user == user
    assert len(django_mail.outbox) == 1
    assert "/accounts/confirm-email/" in django_mail.outbox[0].body


def test_verification_link_verifies_and_then_the_user_logs_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    body = OutboundEmail.objects.get(to="somchai@example.org").body_text
    path = re.search(r"https?://[^/]+(/accounts/confirm-email/[^/\s]+/)", body).group(1)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(email="somchai@example.org").verified
    assert client.get("/").context["user"].email == "somchai@example.org"  # confirming signed them in
    client.logout()
    response = client.post(reverse("account_login"), {"login": "somchai@example.org", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].email == "somchai@example.org"


def test_login_is_refused_until_the_email_is_verified(client):
    _signup(client)
    client.logout()
    response = client.post(reverse("account_login"), {"login": "somchai@example.org", "password": GOOD_PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short-pw-1", "12"), ("password1234", "common"), ("123456789012345", "numeric")],
)
def test_signup_refuses_weak_passwords_with_a_message_and_creates_nobody(client, password, fragment):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = _signup(client, password=password)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("password1", []))
    assert fragment in errors.lower()
    assert not get_user_model().objects.filter(email="somchai@example.org").exists()
    assert not OutboundEmail.objects.exists()


def test_signup_with_a_taken_email_reveals_nothing_and_tells_the_owner(client, django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, email="taken@example.org")
    # allauth prevents account enumeration: the page looks like success ...
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="taken@example.org").count() == 1
    # ... and the real owner is told by mail, through the outbox.
    assert OutboundEmail.objects.get(to="taken@example.org").key.startswith("account:account_already_exists")


def test_password_reset_mail_goes_through_the_outbox(client, django_capture_on_commit_callbacks):
    UserFactory(email="forgot@example.org", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "forgot@example.org"})
    email = OutboundEmail.objects.get(to="forgot@example.org")
    assert email.state == EmailState.SENT
    assert "/accounts/password/reset/key/" in email.body_text


def test_login_failures_are_rate_limited(client):
    UserFactory(email="target@example.org")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "target@example.org", "password": "wrong-guess-000"})
    # Even the right password is refused once the limit is reached.
    response = client.post(reverse("account_login"), {"login": "target@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_login_goes_through_allauth_and_its_rate_limits(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_refuses_a_signed_in_non_staff_user(client):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:login")).status_code == 403


def test_staff_reach_the_admin(client):
    client.login(email=StaffFactory().email, password=PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_account_pages_use_the_site_layout_in_thai(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert 'lang="th"' in html
    assert "navbar" in html
    assert "เข้าสู่ระบบ" in html
