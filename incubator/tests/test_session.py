"""`/session/` tells keep-form.js whether the browser is still signed in, and nothing more."""

import pytest
from django.urls import reverse

from incubator.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_session_status_for_anonymous_says_signed_out(client):
    response = client.get(reverse("session_status"))

    assert response.status_code == 200
    assert response.json() == {"authenticated": False, "user": None}
    assert "no-store" in response["Cache-Control"]


def test_session_status_names_only_the_signed_in_user_id(client):
    user = UserFactory(full_name="สมชาย ใจดี")
    client.force_login(user)

    response = client.get(reverse("session_status"))

    assert response.json() == {"authenticated": True, "user": user.pk}
    assert user.email not in response.content.decode()


def test_session_status_refuses_post(client):
    assert client.post(reverse("session_status")).status_code == 405
