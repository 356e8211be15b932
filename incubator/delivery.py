"""Outbox delivery: claim a row, deliver it on its channel, record the outcome; sweep and purge.

The last of the outbox's three layers, and the only one that talks to SMTP:

    producers (incubator.mail)  ->  broker edge (incubator.tasks)  ->  delivery (this module)

Nothing here publishes to the broker: `outbox_sweep()` returns the ids that need a worker and
the task that called it publishes them. A row is claimed with a conditional update
(queued -> sending), delivered, and marked sent; a transient failure goes back to queued with a
backoff, a permanent one ends `failed`.

Channels: each row names its `channel` (email or LINE). `DELIVERERS` maps a channel to the
function that sends one row (`incubator.line.send_line` for LINE), with the same rows, keys,
retries and sweeper; a LINE row that LINE cannot take goes back to the queue as an email.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections, router
from django.utils import timezone

from incubator.enums import Channel, EmailState
from incubator.line import LINE_COPY_SUFFIX, LineError, send_line
from incubator.models import OutboundEmail

logger = logging.getLogger(__name__)

TRANSIENT_SMTP_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    socket.timeout,
    ConnectionError,
    TimeoutError,
    OSError,
)


# --- SMTP connection, one per worker process ----------------------------------------------------
# Opening one per message costs a TCP and, with a real relay, a TLS and login handshake.

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


# --- claim ----------------------------------------------------------------------------------------


def outbox_claim(*, email_id: int) -> OutboundEmail | None:
    """Claim a queued, due row for sending (queued -> sending) and return it, in one
    `UPDATE ... RETURNING`. None if it is not there, not due, or another worker has it."""
    meta = OutboundEmail._meta
    db = router.db_for_write(OutboundEmail)
    connection = connections[db]
    quote = connection.ops.quote_name
    columns = [field.column for field in meta.concrete_fields]
    now = timezone.now()
    # Identifiers only (quoted names from the model), values as parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('state')} = %s, {quote('claimed_at')} = %s, "  # noqa: S608
        f"{quote('attempts')} = {quote('attempts')} + 1 "
        f"WHERE {quote(meta.pk.column)} = %s AND {quote('state')} = %s AND {quote('next_attempt_at')} <= %s "
        f"RETURNING {', '.join(quote(column) for column in columns)}"
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = list(
        OutboundEmail.objects.db_manager(db).raw(
            sql, [EmailState.SENDING, adapt(now), email_id, EmailState.QUEUED, adapt(now)]
        )
    )
    return rows[0] if rows else None


# --- deliver --------------------------------------------------------------------------------------


def message_id(key: str) -> str:
    """A Message-ID that is the same for every send of one outbox row: SMTP is at-least-once
    (a worker killed after the server accepted a message, before the row was marked sent,
    sends it again after the sweeper's timeout), and mail systems that see the same
    Message-ID twice show one message."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = urlsplit(settings.SITE_URL).hostname or "incubator.local"
    return f"<outbox.{digest}@{domain}>"


def _send_email(email: OutboundEmail, connection=None) -> None:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        connection=connection or get_connection(),
        headers={"X-Outbox-Key": email.key[:200], "Message-ID": message_id(email.key)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    if connection is not None:
        connection.open()  # a no-op when already open; failures are recorded like send failures
    message.send(fail_silently=False)


# channel -> sends one claimed row (raises on failure). `connection` is the channel's reusable
# connection, if the caller keeps one (the SMTP connection of a worker process for email).
# A deliverer may return the channel's answer, kept on the row for staff (LINE's status).
DELIVERERS: dict[str, Callable[..., str | None]] = {Channel.EMAIL: _send_email, Channel.LINE: send_line}


def outbox_deliver(*, email: OutboundEmail, connection=None) -> str:
    """Send a claimed row on its channel and record the outcome. Returns the new state.

    With a `connection`, it is opened if need be and left open for the next message."""
    send = DELIVERERS.get(email.channel)
    try:
        if send is None:
            raise LookupError(f"No delivery for channel {email.channel!r}.")
        answer = send(email, connection)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        return _record_failure(email=email, error=error)
    OutboundEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
        state=EmailState.SENT, sent_at=timezone.now(), last_error="", answer=(answer or "")[:500]
    )
    return EmailState.SENT


def backoff_for(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 3600))


def is_transient(error: Exception) -> bool:
    if isinstance(error, LineError):
        return error.transient
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    return isinstance(error, TRANSIENT_SMTP_ERRORS)


def _record_failure(*, email: OutboundEmail, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, LineError) and error.to_email and email.key.endswith(LINE_COPY_SUFFIX):
        # The LINE copy of a message that also went by email: the email is there already.
        OutboundEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
            state=EmailState.FAILED, last_error=text, answer=error.answer, claimed_at=None
        )
        return EmailState.FAILED
    if isinstance(error, LineError) and error.to_email:
        # LINE cannot take it (blocked or unknown user, quota used up): the row goes by email
        # instead, from the first attempt; never lost.
        OutboundEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
            channel=Channel.EMAIL,
            state=EmailState.QUEUED,
            attempts=0,
            last_error=text,
            answer=error.answer,
            next_attempt_at=timezone.now(),
            claimed_at=None,
        )
        logger.info("Message %s: %s; sending it by email instead.", email.pk, text)
        return EmailState.QUEUED
    answer = error.answer if isinstance(error, LineError) else ""
    if is_transient(error) and email.attempts < settings.OUTBOX_MAX_ATTEMPTS:
        state = EmailState.QUEUED
        next_at = timezone.now() + backoff_for(email.attempts)
    else:
        state = EmailState.FAILED
        next_at = timezone.now()
    OutboundEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
        state=state, last_error=text, next_attempt_at=next_at, claimed_at=None, answer=answer
    )
    logger.warning("Email %s: %s (now %s)", email.pk, text, state)
    return state


# --- sweep and purge ------------------------------------------------------------------------------


def outbox_sweep(*, limit: int = 5000) -> tuple[int, list[int]]:
    """Find the rows that no worker is handling: queued and due past a grace period (the broker
    was down at commit), or sending for longer than the timeout (the worker died, back to queued).

    Returns (rows recovered from sending, ids to hand to workers); the caller publishes them.
    Their grace period restarts, so a row whose first message still waits behind a backlog is
    re-sent at most once per grace period, not on every sweep."""
    now = timezone.now()
    stuck = OutboundEmail.objects.filter(
        state=EmailState.SENDING, claimed_at__lt=now - settings.OUTBOX_SENDING_TIMEOUT
    ).update(
        state=EmailState.QUEUED,
        next_attempt_at=now - settings.OUTBOX_QUEUED_GRACE,
        claimed_at=None,
        last_error="Worker lost while sending.",
    )
    due = list(
        OutboundEmail.objects.filter(state=EmailState.QUEUED, next_attempt_at__lte=now - settings.OUTBOX_QUEUED_GRACE)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    OutboundEmail.objects.filter(pk__in=due, state=EmailState.QUEUED).update(next_attempt_at=now)
    return stuck, due


def outbox_undispatched(*, email_ids: list[int]) -> int:
    """Rows whose hand-over to the broker failed (it was down): make them due for the next
    sweep at once instead of after the grace period that covers a dispatch in flight."""
    if not email_ids:
        return 0
    return OutboundEmail.objects.filter(pk__in=email_ids, state=EmailState.QUEUED).update(
        next_attempt_at=timezone.now() - settings.OUTBOX_QUEUED_GRACE
    )


def outbox_purge(*, older_than: timedelta = timedelta(days=180)) -> int:
    """Delete sent rows older than the retention period (the bodies hold personal data)."""
    deleted, _ = OutboundEmail.objects.filter(state=EmailState.SENT, sent_at__lt=timezone.now() - older_than).delete()
    return deleted


__all__ = [
    "DELIVERERS",
    "backoff_for",
    "is_transient",
    "outbox_claim",
    "outbox_deliver",
    "outbox_purge",
    "outbox_sweep",
    "outbox_undispatched",
    "smtp_connection",
    "smtp_connection_drop",
]
