"""Thin Celery wrappers around the outbox services."""

import contextlib
import time

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection

from incubator import mail
from incubator.enums import EmailState

# One SMTP connection per worker process, reused between emails (opening one per message
# costs a TCP and, with a real relay, a TLS and login handshake).
_smtp = {"connection": None, "used_at": 0.0}


def smtp_connection():
    now = time.monotonic()
    if _smtp["connection"] is not None and now - _smtp["used_at"] > settings.EMAIL_CONNECTION_IDLE_SECONDS:
        smtp_connection_drop()  # servers close idle connections: start afresh
    if _smtp["connection"] is None:
        _smtp["connection"] = get_connection()
    _smtp["used_at"] = now
    return _smtp["connection"]


def smtp_connection_drop() -> None:
    connection, _smtp["connection"] = _smtp["connection"], None
    if connection is not None:
        with contextlib.suppress(Exception):  # a broken connection is being thrown away anyway
            connection.close()


@shared_task(name="incubator.outbox_send", bind=True, max_retries=None, acks_late=True)
def outbox_send(self, email_id: int) -> str | None:
    email = mail.outbox_claim(email_id=email_id)
    if email is None:
        return None  # already sent, claimed by another worker, gone, or not yet due
    connection = None if self.request.is_eager else smtp_connection()
    state = mail.outbox_deliver(email=email, connection=connection)
    if state != EmailState.SENT:
        smtp_connection_drop()
    if state == EmailState.QUEUED:
        # Transient failure: try again after the backoff the row records. If the broker is
        # down now, the row stays queued and the sweeper picks it up.
        raise self.retry(countdown=mail.backoff_for(email.attempts).total_seconds())
    return state


@shared_task(name="incubator.outbox_send_many", bind=True, acks_late=True)
def outbox_send_many(self, email_ids: list[int]) -> int:
    """Send a batch of emails over one SMTP connection (bulk senders: reminders, the sweeper).
    A row that fails transiently is retried on its own, after its backoff."""
    sent = 0
    for email_id in email_ids:
        email = mail.outbox_claim(email_id=email_id)
        if email is None:
            continue
        connection = None if self.request.is_eager else smtp_connection()
        state = mail.outbox_deliver(email=email, connection=connection)
        if state == EmailState.SENT:
            sent += 1
            continue
        smtp_connection_drop()
        if state == EmailState.QUEUED:
            mail.dispatch_later(email_id=email_id, countdown=mail.backoff_for(email.attempts).total_seconds())
    return sent


@shared_task(name="incubator.outbox_sweep")
def outbox_sweep() -> dict[str, int]:
    return mail.outbox_sweep()


@shared_task(name="incubator.outbox_purge")
def outbox_purge() -> int:
    return mail.outbox_purge()
