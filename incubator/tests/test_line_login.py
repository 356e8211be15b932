"""LINE Login through allauth's LINE provider against the fake LINE: off and invisible unless
configured, endpoints from the settings, sign-up, linking and unlinking, the friendship."""

import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from incubator.linelogin.views import LineOAuth2Adapter
from incubator.models import LineContact
from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def line_login(settings, fake_line):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "line": {
            **settings.SOCIALACCOUNT_PROVIDERS["line"],
            "APPS": [{"client_id": "1650000000", "secret": "login-secret"}],
        }
    }
    return fake_line


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _line_answers(authorize_url: str, **person) -> str:
    """The person allows the login on the fake LINE page; returns the callback URL it sends them to."""
    query = {name: values[0] for name, values in parse_qs(urlsplit(authorize_url).query).items()}
    done = authorize_url.split("/oauth2/")[0] + "/oauth2/v2.1/authorize/done?" + urlencode(query | person)
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(done)
    assert answer.value.code == 302
    return answer.value.headers["Location"]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_line_login_is_invisible_and_404_when_not_configured(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/line/login/" not in page
    assert client.post("/accounts/line/login/").status_code == 404


def test_line_login_button_shows_when_configured(client, line_login):
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/line/login/" in page


def test_endpoints_come_from_the_settings(settings):
    settings.LINE_LOGIN_HOST = "http://127.0.0.1:9"
    settings.LINE_LOGIN_API_HOST = "http://127.0.0.1:10"
    adapter = LineOAuth2Adapter(None)
    assert adapter.authorize_url == "http://127.0.0.1:9/oauth2/v2.1/authorize"
    assert adapter.access_token_url == "http://127.0.0.1:10/oauth2/v2.1/token"
    assert adapter.id_token_url == "http://127.0.0.1:10/oauth2/v2.1/verify"
    assert adapter.profile_url == "http://127.0.0.1:10/v2/profile"


def test_sign_up_with_line_asks_to_add_the_friend_and_records_reachability(client, line_login):
    response = client.post("/accounts/line/login/")
    assert response.status_code == 302
    authorize = response["Location"]
    assert authorize.startswith(f"{line_login.url}/oauth2/v2.1/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["bot_prompt"] == ["aggressive"]
    assert set(query["scope"][0].split()) == {"profile", "openid", "email"}
    callback = _line_answers(
        authorize, fake_user_id="U1234", fake_name="สมหญิง ใจดี", fake_email="somying@example.org", fake_friend="1"
    )
    response = client.get(_path(callback))
    assert response.status_code == 302
    account = SocialAccount.objects.get(provider="line", uid="U1234")
    assert account.user.full_name == "สมหญิง ใจดี"
    assert account.user.email == "somying@example.org"
    contact = LineContact.objects.get(line_user_id="U1234")
    assert (contact.user, contact.is_friend) == (account.user, True)
    # The address LINE gave is not verified: the usual verification rules apply before applying.
    assert response["Location"] == reverse("account_email_verification_sent")


def test_sign_up_with_line_without_an_email_must_give_one(client, line_login):
    authorize = client.post("/accounts/line/login/")["Location"]
    callback = _line_answers(authorize, fake_user_id="U5678", fake_name="ลุงมา", fake_email="", fake_friend="")
    response = client.get(_path(callback))
    assert response.status_code == 302
    assert response["Location"] == reverse("socialaccount_signup")
    assert not SocialAccount.objects.exists()
    response = client.post(reverse("socialaccount_signup"), {"email": "lung-ma@example.org"})
    assert response.status_code == 302
    contact = LineContact.objects.get(line_user_id="U5678")
    assert contact.user.email == "lung-ma@example.org"
    assert contact.is_friend is False


def test_link_and_unlink_line_on_an_existing_account(client, line_login):
    user = UserFactory(email="wipa@example.org")
    client.force_login(user)
    authorize = client.post("/accounts/line/login/", {"process": "connect"})["Location"]
    callback = _line_answers(authorize, fake_user_id="U9999", fake_name="วิภา", fake_email="", fake_friend="1")
    response = client.get(_path(callback))
    assert response.status_code == 302
    assert LineContact.objects.get(line_user_id="U9999").user == user
    account = SocialAccount.objects.get(user=user, provider="line")
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.filter(user=user).exists()
    assert LineContact.objects.get(line_user_id="U9999").user is None


def test_unlinking_someone_elses_line_account_changes_nothing(client, line_login):
    owner, intruder = UserFactory(), UserFactory()
    account = SocialAccount.objects.create(user=owner, provider="line", uid="Uowner")
    LineContact.objects.create(user=owner, line_user_id="Uowner", is_friend=True)
    client.force_login(intruder)
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 200  # the form refuses an account that is not theirs
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert LineContact.objects.get(line_user_id="Uowner").user == owner


def test_the_continue_to_line_form_may_be_sent_on_to_line_under_the_csp(client, line_login):
    policy = client.get("/accounts/line/login/")["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert line_login.url in form_action
    assert line_login.url not in client.get(reverse("account_login"))["Content-Security-Policy"]
