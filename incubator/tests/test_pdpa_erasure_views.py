"""Asking to delete one's account (PDPA): only the person, only with their password, once;
superusers alone see the requests in the admin, with the 30-day deadline and the overdue
ones highlighted, at a flat query count."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incubator import pdpa
from incubator.models import ErasureRequest
from incubator.tests.factories import PASSWORD, StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_log_in(client):
    response = client.post(reverse("erasure"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not ErasureRequest.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"password": "wrong", "confirm": "on"}, "password"),
        ({"password": "pass\x00word", "confirm": "on"}, "password"),
        ({"password": PASSWORD}, "confirm"),
        ({"password": "x" * 5000, "confirm": "on"}, "password"),
    ],
)
def test_bad_input_changes_nothing(client, data, error):
    client.force_login(UserFactory())

    response = client.post(reverse("erasure"), data)

    assert response.status_code == 200
    assert error in response.context["form"].errors
    assert not ErasureRequest.objects.exists()


def test_person_asks_once_with_their_password(client):
    person = UserFactory()
    client.force_login(person)

    first = client.post(reverse("erasure"), {"password": PASSWORD, "confirm": "on"})
    second = client.post(reverse("erasure"), {"password": PASSWORD, "confirm": "on"})

    assert (first.status_code, second.status_code) == (302, 200)
    assert ErasureRequest.objects.filter(user=person).count() == 1
    assert "erasure-pending" in client.get(reverse("erasure")).content.decode()


def test_only_superusers_see_and_act_on_requests_in_the_admin(client):
    person = UserFactory()
    erasure, _created = pdpa.erasure_request(user=person)
    url = reverse("admin:incubator_erasurerequest_changelist")
    for user, status in ((StaffFactory(), 403), (person, 302), (SuperuserFactory(), 200)):
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.get(reverse("admin:incubator_erasurerequest_change", args=[erasure.pk])).status_code == status
    client.force_login(StaffFactory())
    client.post(url, {"action": "anonymise", "_selected_action": [erasure.pk]})
    person.refresh_from_db()
    assert person.is_active
    assert not pdpa.is_anonymised(person)


def test_admin_shows_the_deadline_and_highlights_overdue_requests(client, django_assert_num_queries):
    client.force_login(SuperuserFactory())
    url = reverse("admin:incubator_erasurerequest_changelist")
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        pdpa.erasure_request(user=UserFactory())
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.content.decode().count("erasure-overdue") == 1
    for _ in range(10):
        pdpa.erasure_request(user=UserFactory())
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.content.decode().count("erasure-overdue") == 1
    assert len(response.context["cl"].result_list) == 11
