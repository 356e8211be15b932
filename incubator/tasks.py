"""Thin Celery wrappers around the outbox services."""

from celery import shared_task

from incubator import mail
from incubator.enums import EmailState


@shared_task(name="incubator.outbox_send", bind=True, max_retries=None, acks_late=True)
def outbox_send(self, email_id: int) -> str | None:
    email = mail.outbox_claim(email_id=email_id)
    if email is None:
        return None  # already sent, claimed by another worker, gone, or not yet due
    state = mail.outbox_deliver(email=email)
    if state == EmailState.QUEUED:
        # Transient failure: try again after the backoff the row records.
        # If the broker is down now, the row stays queued and the sweeper picks it up.
        raise self.retry(countdown=mail.backoff_for(email.attempts).total_seconds())
    return state


@shared_task(name="incubator.outbox_sweep")
def outbox_sweep() -> dict[str, int]:
    return mail.outbox_sweep()


@shared_task(name="incubator.outbox_purge")
def outbox_purge() -> int:
    return mail.outbox_purge()
