"""The outbox's broker edge: publishing send tasks, and the thin tasks that call delivery.

    producers (incubator.mail)  ->  broker edge (this module)  ->  delivery (incubator.delivery)

Producers never call the broker themselves: after their transaction commits they hand the
ids to `publish()`. The tasks take ids, import the delivery services inside their bodies (as
Celery and pretalx do, so that importing this module loads no service) and call them. A
broker that is down costs one connection timeout and leaves the rows queued for the sweeper.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task

logger = logging.getLogger(__name__)

# Bulk senders (reminders, the sweeper) hand over `outbox_send_many` tasks of this many ids, so
# that 100,000 reminders are 500 broker messages, not 100,000.
PUBLISH_BATCH = 200


# After a failed publish, this process leaves new emails to the sweeper for a few seconds
# instead of trying a broker that is down on every request.
BROKER_RETRY_AFTER_SECONDS = 5.0
_broker = {"down_until": 0.0}


def publish(email_ids: list[int], *, always_try: bool = False) -> int:
    """Publish send tasks until the broker fails; returns how many emails were handed over.

    One email: one `outbox_send` task. More: `outbox_send_many` tasks of PUBLISH_BATCH ids.
    Emails not handed over stay queued and are made due for the next sweep. For a few seconds
    after a failure the broker is not tried again (`always_try`: the sweeper does)."""
    if not email_ids:
        return 0
    if not always_try and time.monotonic() < _broker["down_until"]:
        _leave_to_the_sweeper(email_ids)
        return 0
    done = 0
    try:
        if len(email_ids) == 1:
            outbox_send.apply_async(args=[email_ids[0]], retry=False)
            _broker["down_until"] = 0.0
            return 1
        for start in range(0, len(email_ids), PUBLISH_BATCH):
            chunk = email_ids[start : start + PUBLISH_BATCH]
            outbox_send_many.apply_async(args=[chunk], retry=False)
            done += len(chunk)
        _broker["down_until"] = 0.0
    except Exception:  # noqa: BLE001 - any broker failure: the rows stay queued, the sweeper sends them
        logger.warning("Broker unavailable; %s emails stay queued for the sweeper.", len(email_ids) - done)
        _broker["down_until"] = time.monotonic() + BROKER_RETRY_AFTER_SECONDS
        _leave_to_the_sweeper(email_ids[done:])
    return done


def _leave_to_the_sweeper(email_ids: list[int]) -> None:
    from incubator import delivery

    try:
        delivery.outbox_undispatched(email_ids=email_ids)
    except Exception:  # noqa: BLE001 - the rows are queued either way; the sweeper's grace period still holds
        logger.warning("Could not mark %s undispatched emails for the next sweep.", len(email_ids))


def publish_later(*, email_id: int, countdown: float) -> None:
    """Retry one email after `countdown` seconds; if the broker is down the sweeper does it."""
    try:
        outbox_send.apply_async(args=[email_id], countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - the row is queued with its next attempt time: the sweeper sends it
        logger.warning("Broker unavailable; email %s waits for the sweeper.", email_id)


@shared_task(name="incubator.outbox_send", bind=True, max_retries=None, acks_late=True)
def outbox_send(self, email_id: int) -> str | None:
    from incubator import delivery
    from incubator.enums import EmailState

    email = delivery.outbox_claim(email_id=email_id)
    if email is None:
        return None  # already sent, claimed by another worker, gone, or not yet due
    connection = None if self.request.is_eager else delivery.smtp_connection()
    state = delivery.outbox_deliver(email=email, connection=connection)
    if state != EmailState.SENT:
        delivery.smtp_connection_drop()
    if state == EmailState.QUEUED:
        # Transient failure: try again after the backoff the row records. If the broker is
        # down now, the row stays queued and the sweeper picks it up.
        raise self.retry(countdown=delivery.backoff_for(email.attempts).total_seconds())
    return state


@shared_task(name="incubator.outbox_send_many", bind=True, acks_late=True)
def outbox_send_many(self, email_ids: list[int]) -> int:
    """Send a batch of emails over one connection (bulk senders: reminders, the sweeper).
    A row that fails transiently is retried on its own, after its backoff."""
    from incubator import delivery
    from incubator.enums import EmailState

    sent = 0
    for email_id in email_ids:
        email = delivery.outbox_claim(email_id=email_id)
        if email is None:
            continue
        connection = None if self.request.is_eager else delivery.smtp_connection()
        state = delivery.outbox_deliver(email=email, connection=connection)
        if state == EmailState.SENT:
            sent += 1
            continue
        delivery.smtp_connection_drop()
        if state == EmailState.QUEUED:
            publish_later(email_id=email_id, countdown=delivery.backoff_for(email.attempts).total_seconds())
    return sent


@shared_task(name="incubator.outbox_sweep")
def outbox_sweep() -> dict[str, int]:
    """Beat, every minute: recover rows stuck in sending and hand the due queued rows to workers."""
    from incubator import delivery

    recovered, due = delivery.outbox_sweep()
    return {"recovered": recovered, "dispatched": publish(due, always_try=True)}


@shared_task(name="incubator.outbox_purge")
def outbox_purge() -> int:
    from incubator import delivery

    return delivery.outbox_purge()


@shared_task(name="incubator.access_log_purge")
def access_log_purge() -> int:
    from incubator import audit

    return audit.access_log_purge()


@shared_task(name="incubator.beat_heartbeat")
def beat_heartbeat() -> None:
    """Beat, every minute: proves to /healthz/ready that beat (and a worker) still run."""
    from incubator import health

    health.heartbeat_record(name="beat")
