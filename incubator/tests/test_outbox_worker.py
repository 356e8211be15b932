"""The outbox against the real broker: PostgreSQL, Redis and a Celery worker.

These tests skip without PostgreSQL and Redis (and fail in CI, where both must be there).
"""

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail as django_mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from incubator import mail
from incubator.celery import app
from incubator.enums import EmailState
from incubator.models import OutboundEmail
from incubator.tasks import outbox_send, outbox_sweep
from incubator.tests.factories import SuperuserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker():
    """An empty queue on the real Redis broker."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    return app


@pytest.fixture
def worker(broker):
    with start_worker(broker, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _queue(key="worker-1", to="malee@example.org"):
    return mail.queue_mail(key=key, to=to, template="incubator/test", context={"name": "มาลี"})


def _queued_messages() -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen("celery")


def _state(pk):
    return OutboundEmail.objects.get(pk=pk).state


def test_same_key_queued_twice_and_dispatched_twice_sends_once(worker):
    first = _queue()
    second = _queue()
    mail.dispatch_on_commit([first.pk])  # a doubled dispatch, as a doubled sweep would make
    outbox_send.apply_async(args=[first.pk])
    assert first.pk == second.pk
    assert _wait_for(lambda: _state(first.pk) == EmailState.SENT)
    time.sleep(1.0)  # let the duplicate messages reach the worker too
    assert len(django_mail.outbox) == 1
    assert OutboundEmail.objects.get(pk=first.pk).attempts == 1


def test_broker_unreachable_at_commit_request_succeeds_and_sweeper_sends_later(client, broker):
    real_apply_async = outbox_send.apply_async

    def unreachable(*args, **kwargs):
        with app.connection_for_write("redis://127.0.0.1:9/0", connect_timeout=1) as dead:
            return real_apply_async(*args, connection=dead, **kwargs)

    with mock.patch.object(outbox_send, "apply_async", side_effect=unreachable):
        response = client.post(
            reverse("account_signup"),
            {
                "full_name": "วิภา",
                "email": "wipa@example.org",
                "password1": "a-long-and-unusual-passphrase-42",
                "password2": "a-long-and-unusual-passphrase-42",
            },
        )
    assert response.status_code == 302
    email = OutboundEmail.objects.get(to="wipa@example.org")
    assert email.state == EmailState.QUEUED
    assert _queued_messages() == 0  # nothing reached the broker

    with start_worker(broker, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
        assert outbox_sweep() == {"recovered": 0, "dispatched": 1}
        assert _wait_for(lambda: _state(email.pk) == EmailState.SENT)
        time.sleep(0.5)
    assert [m.to for m in django_mail.outbox] == [["wipa@example.org"]]


def _stalling_smtp_server():
    """A TCP server that accepts and never answers: a worker sending to it hangs mid-send."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, accepted, stop


def test_worker_killed_between_claim_and_send_is_recovered_by_the_sweeper_exactly_once(broker):
    server, accepted, stop = _stalling_smtp_server()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_URL": f"smtp://127.0.0.1:{server.getsockname()[1]}",
        "EMAIL_TIMEOUT": "120",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "incubator", "worker", "--pool=solo", "-l", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        email = _queue(key="killed-1")
        assert _wait_for(lambda: _state(email.pk) == EmailState.SENDING and accepted, timeout=60)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker dies mid-send
        proc.wait(timeout=10)
        stop.set()
        server.close()
    assert _state(email.pk) == EmailState.SENDING

    with start_worker(broker, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        assert outbox_sweep() == {"recovered": 0, "dispatched": 0}  # the claim is still fresh
        OutboundEmail.objects.filter(pk=email.pk).update(claimed_at=timezone.now() - timedelta(minutes=11))
        assert outbox_sweep() == {"recovered": 1, "dispatched": 1}
        assert _wait_for(lambda: _state(email.pk) == EmailState.SENT)
        assert outbox_sweep() == {"recovered": 0, "dispatched": 0}
        time.sleep(0.5)
    email.refresh_from_db()
    assert len(django_mail.outbox) == 1
    assert email.attempts == 2


def test_permanent_failure_ends_failed_and_staff_resend_it_from_admin(client, worker):
    refused = smtplib.SMTPRecipientsRefused({"malee@example.org": (550, b"no such mailbox")})
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=refused):
        email = _queue(key="permanent-1")
        assert _wait_for(lambda: _state(email.pk) == EmailState.FAILED)
    email.refresh_from_db()
    assert "no such mailbox" in email.last_error
    assert django_mail.outbox == []

    client.force_login(SuperuserFactory())
    response = client.post(
        reverse("admin:incubator_outboundemail_changelist"), {"action": "resend", "_selected_action": [email.pk]}
    )
    assert response.status_code == 302
    assert _wait_for(lambda: _state(email.pk) == EmailState.SENT)
    assert len(django_mail.outbox) == 1


def test_suite_really_runs_on_postgresql():
    assert connection.vendor == "postgresql"
