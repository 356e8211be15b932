"""`/healthz/ready`: 200 when the database, cache, broker and private storage answer, the
outbox is moving and beat is alive; otherwise 503 with the failed checks' reasons as JSON,
never a person's data."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incubator import health, tasks
from incubator.mail import queue_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def beat_alive():
    tasks.beat_heartbeat()


def test_ready_when_everything_answers(client, beat_alive):
    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 200
    assert response.json() == {"ready": True, "failures": {}}
    assert response["Cache-Control"].startswith("max-age=0")


def test_not_ready_when_beat_never_ran_or_stopped(client):
    first = client.get(reverse("healthz_ready"))
    tasks.beat_heartbeat()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        later = client.get(reverse("healthz_ready"))

    assert (first.status_code, first.json()["failures"]) == (503, {"beat": "beat has never run"})
    assert later.status_code == 503
    assert list(later.json()["failures"]) == ["beat"]


def test_not_ready_when_an_email_waited_too_long_and_no_address_is_shown(client, beat_alive, monkeypatch):
    monkeypatch.setattr("incubator.mail.dispatch_on_commit", lambda ids: None)  # the broker lost it
    with time_machine.travel(timezone.now() - timedelta(minutes=16)):
        queue_mail(key="stuck:1", to="somchai@example.org", subject="s", body_text="b", language="th")
    tasks.beat_heartbeat()

    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 503
    assert response.json()["failures"] == {"outbox": "1 emails queued for more than 15 minutes"}
    assert b"somchai" not in response.content


def test_not_ready_when_a_dependency_fails_names_it_without_details(client, beat_alive, monkeypatch):
    def down():
        raise ConnectionRefusedError("redis://secret-host:6379")

    monkeypatch.setitem(health.CHECKS, "broker", down)

    response = client.get(reverse("healthz_ready"))

    assert (response.status_code, response.json()["failures"]) == (503, {"broker": "ConnectionRefusedError"})
    assert b"secret-host" not in response.content


def test_not_ready_when_the_private_storage_is_unreachable(client, beat_alive, tmp_path, settings):
    not_a_folder = tmp_path / "unmounted"
    not_a_folder.write_text("the volume is not mounted")
    private = {**settings.STORAGES["private"], "OPTIONS": {"location": str(not_a_folder)}}
    settings.STORAGES = {**settings.STORAGES, "private": private}

    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 503
    assert response.json()["failures"] == {"private_storage": "FileExistsError"}
