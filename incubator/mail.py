"""The mail outbox: every email is a row first, and a Celery task sends it after commit.

`queue_mail(...)` writes an `OutboundEmail` in the caller's transaction and asks Celery to
send it once that transaction commits. A worker claims the row with a conditional update
(queued -> sending), sends it and marks it sent. Transient SMTP errors go back to queued with
a backoff; permanent ones end `failed`. `outbox_sweep()` (beat, every minute) re-dispatches
rows left queued (the broker was down) and rows stuck in sending (the worker died).
"""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, models, transaction
from django.template import Context, Template
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import timezone, translation

from incubator.enums import EmailState
from incubator.models import EmailTemplate, OutboundEmail, User

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


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def render_email(*, template: str, context: dict, language: str) -> RenderedEmail:
    """Render `emails/<template>` in `language`.

    A staff-edited `EmailTemplate` for that name and language wins; otherwise the files
    `emails/<template>.<language>.{subject,txt,html}` or, failing those, the shared
    `emails/<template>.{subject,txt,html}` rendered under the language's translations.
    """
    with translation.override(language):
        override = EmailTemplate.objects.filter(name=template, language=language, is_active=True).first()
        ctx = {"site_url": settings.SITE_URL, **context}
        if override is not None:
            subject = Template(override.subject).render(Context(ctx))
            body_text = Template(override.body_text).render(Context(ctx, autoescape=False))
            body_html = ""
        else:
            subject = select_template([f"emails/{template}.{language}.subject", f"emails/{template}.subject"]).render(
                ctx
            )
            body_text = select_template([f"emails/{template}.{language}.txt", f"emails/{template}.txt"]).render(ctx)
            try:
                body_html = select_template([f"emails/{template}.{language}.html", f"emails/{template}.html"]).render(
                    ctx
                )
            except TemplateDoesNotExist:
                body_html = ""
    return RenderedEmail(subject=" ".join(subject.split()), body_text=body_text.strip() + "\n", body_html=body_html)


def language_for(user: User | None, fallback: str | None = None) -> str:
    if user is not None and user.preferred_language:
        return user.preferred_language
    return fallback or translation.get_language() or settings.LANGUAGE_CODE


def queue_mail(
    *,
    key: str,
    to: str,
    template: str | None = None,
    context: dict | None = None,
    language: str | None = None,
    user: User | None = None,
    related: models.Model | None = None,
    subject: str | None = None,
    body_text: str | None = None,
    body_html: str = "",
) -> OutboundEmail:
    """Queue one email under an idempotency `key`; a second call with the same key is a no-op
    and returns the first email (the unique key decides, also between concurrent callers).

    Give either `template` (+ `context`) or a ready `subject` and `body_text`. The row is
    written in the caller's transaction and dispatched to a worker only once it commits.
    """
    lang = language or language_for(user)
    if template is not None:
        rendered = render_email(template=template, context=context or {}, language=lang)
        subject, body_text, body_html = rendered.subject, rendered.body_text, rendered.body_html
    if subject is None or body_text is None:
        raise ValueError("queue_mail needs a template or a subject and a text body.")
    row = OutboundEmail(
        key=key,
        to=to,
        recipient_user=user,
        language=lang,
        template=template or "",
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
    )
    if related is not None:
        row.content_type = ContentType.objects.get_for_model(related)
        row.object_id = str(related.pk)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # This key was queued before (or by a concurrent caller): the first email stands.
        return OutboundEmail.objects.get(key=key)
    dispatch_on_commit(row.pk)
    return row


@dataclass(frozen=True)
class Message:
    """One message to one person, for `queue_mail_bulk`: what to say (`template` and
    `context`) and to whom; the outbox owns every column, the channel is a delivery detail."""

    key: str
    user: User
    template: str
    context: dict
    related: models.Model | None = None


def queue_mail_bulk(messages: Iterable[Message]) -> list[int]:
    """Queue many messages at once (reminders, notices, announcements): each rendered in its
    person's language, inserted together; keys already queued are skipped, so a planner that
    runs twice queues each message once. Written in the caller's transaction and dispatched
    after commit. Returns the ids of the rows that are queued for these keys."""
    rows = []
    for message in messages:
        lang = language_for(message.user)
        rendered = render_email(template=message.template, context=message.context, language=lang)
        row = OutboundEmail(
            key=message.key,
            to=message.user.email,
            recipient_user=message.user,
            language=lang,
            template=message.template,
            subject=rendered.subject[:255],
            body_text=rendered.body_text,
            body_html=rendered.body_html,
        )
        if message.related is not None:
            row.content_type = ContentType.objects.get_for_model(message.related)
            row.object_id = str(message.related.pk)
        rows.append(row)
    if not rows:
        return []
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    ids = list(
        OutboundEmail.objects.filter(key__in=[row.key for row in rows], state=EmailState.QUEUED).values_list(
            "pk", flat=True
        )
    )
    dispatch_many_on_commit(ids)
    return ids


def dispatch_on_commit(email_id: int) -> None:
    """Ask a worker to send `email_id` after commit; a broker outage is left to the sweeper."""
    dispatch_many_on_commit([email_id])


def dispatch_many_on_commit(email_ids: Iterable[int]) -> None:
    """Ask workers to send `email_ids` after commit, in one callback that stops at the first
    broker error: an outage costs one connection timeout, not one per email, and the rows
    stay queued for the sweeper."""
    ids = list(email_ids)
    if ids:
        transaction.on_commit(lambda: _publish(ids), robust=True)


PUBLISH_BATCH = 200


def _publish(email_ids: list[int]) -> int:
    """Publish send tasks until the broker fails; returns how many emails were handed over.

    One email: one `outbox_send` task. More: `outbox_send_many` tasks of PUBLISH_BATCH ids, so
    that 100,000 reminders are 500 broker messages, not 100,000."""
    from incubator.tasks import outbox_send, outbox_send_many

    done = 0
    try:
        if len(email_ids) == 1:
            outbox_send.apply_async(args=[email_ids[0]], retry=False)
            return 1
        for start in range(0, len(email_ids), PUBLISH_BATCH):
            chunk = email_ids[start : start + PUBLISH_BATCH]
            outbox_send_many.apply_async(args=[chunk], retry=False)
            done += len(chunk)
    except Exception:  # noqa: BLE001 - any broker failure: the rows stay queued, the sweeper sends them
        logger.warning("Broker unavailable; %s emails stay queued for the sweeper.", len(email_ids) - done)
    return done


def dispatch_later(*, email_id: int, countdown: float) -> None:
    """Retry one email after `countdown` seconds; if the broker is down the sweeper does it."""
    from incubator.tasks import outbox_send

    try:
        outbox_send.apply_async(args=[email_id], countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - the row is queued with its next attempt time: the sweeper sends it
        logger.warning("Broker unavailable; email %s waits for the sweeper.", email_id)


def outbox_claim(*, email_id: int) -> OutboundEmail | None:
    """Claim a queued, due row for sending (queued -> sending). None if another worker has it."""
    now = timezone.now()
    claimed = OutboundEmail.objects.filter(pk=email_id, state=EmailState.QUEUED, next_attempt_at__lte=now).update(
        state=EmailState.SENDING, claimed_at=now, attempts=models.F("attempts") + 1
    )
    if not claimed:
        return None
    return OutboundEmail.objects.get(pk=email_id)


def backoff_for(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 3600))


def is_transient(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    return isinstance(error, TRANSIENT_SMTP_ERRORS)


def outbox_deliver(*, email: OutboundEmail, connection=None) -> str:
    """Send a claimed row and record the outcome. Returns the new state.

    With a `connection`, it is opened if need be and left open for the next email."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        connection=connection or get_connection(),
        headers={"X-Outbox-Key": email.key[:200]},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        if connection is not None:
            connection.open()  # a no-op when already open; failures are recorded like send failures
        message.send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        return _record_failure(email=email, error=error)
    OutboundEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
        state=EmailState.SENT, sent_at=timezone.now(), last_error=""
    )
    return EmailState.SENT


def _record_failure(*, email: OutboundEmail, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:2000]
    if is_transient(error) and email.attempts < settings.OUTBOX_MAX_ATTEMPTS:
        state = EmailState.QUEUED
        next_at = timezone.now() + backoff_for(email.attempts)
    else:
        state = EmailState.FAILED
        next_at = timezone.now()
    OutboundEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
        state=state, last_error=text, next_attempt_at=next_at, claimed_at=None
    )
    logger.warning("Email %s: %s (now %s)", email.pk, text, state)
    return state


def outbox_resend(*, email: OutboundEmail) -> OutboundEmail:
    """Staff resend: a failed (or sent) row goes back to the queue with fresh attempts."""
    OutboundEmail.objects.filter(pk=email.pk).exclude(state=EmailState.SENDING).update(
        state=EmailState.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_at=None, last_error=""
    )
    dispatch_on_commit(email.pk)
    email.refresh_from_db()
    return email


def outbox_sweep(*, limit: int = 5000) -> dict[str, int]:
    """Re-dispatch rows that no worker is handling: queued and due past a grace period (the
    broker was down at commit), or sending for longer than the timeout (the worker died)."""
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
    # Restart their grace period, so that a row whose first message is still waiting behind a
    # backlog is re-sent at most once per grace period, not on every sweep.
    OutboundEmail.objects.filter(pk__in=due, state=EmailState.QUEUED).update(next_attempt_at=now)
    dispatched = _publish(due)
    return {"recovered": stuck, "dispatched": dispatched}


def outbox_purge(*, older_than: timedelta = timedelta(days=180)) -> int:
    """Delete sent emails older than the retention period (the bodies hold personal data)."""
    deleted, _ = OutboundEmail.objects.filter(state=EmailState.SENT, sent_at__lt=timezone.now() - older_than).delete()
    return deleted
