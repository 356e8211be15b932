import pytest
from django.urls import reverse

from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_home_is_thai_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "th"
    assert '<html lang="th">' in response.content.decode()


def test_language_switch_to_english_sticks_for_the_visitor(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert "Open calls" in page.content.decode()


def test_language_switch_is_remembered_on_the_signed_in_user(client):
    user = UserFactory(preferred_language="th")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_signed_in_user_gets_their_preferred_language_without_a_cookie(client):
    client.force_login(UserFactory(preferred_language="en"))
    assert client.get("/")["Content-Language"] == "en"


def test_language_switch_refuses_an_offsite_next_url(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_unknown_language_keeps_thai(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert client.get("/")["Content-Language"] == "th"
