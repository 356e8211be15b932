"""`/healthz/ready`: whether this web process can serve, for a load balancer.

Each check answers None (fine) or a short reason in English for the operator; the page is
JSON with the failed checks' names and reasons and never names a person or an email address.

- database: a query runs; cache: a value written can be read back;
- broker: a connection to Celery's broker opens (within CELERY_BROKER_CONNECTION_TIMEOUT);
- private storage: the private files folder exists and is writable;
- outbox: no email has waited in the queue longer than READY_OUTBOX_STUCK_MINUTES;
- beat: the beat heartbeat (`incubator.beat_heartbeat`, every minute) is recent.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from incubator.enums import EmailState
from incubator.models import Heartbeat, OutboundEmail


def heartbeat_record(*, name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def check_cache() -> str | None:
    key, value = "healthz-ready", uuid.uuid4().hex
    cache.set(key, value, 30)
    return None if cache.get(key) == value else "the cache did not keep a value"


def check_broker() -> str | None:
    from incubator.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    return None


def check_private_storage() -> str | None:
    from incubator.storage import private_storage

    location = private_storage().location
    os.makedirs(location, exist_ok=True)
    return None if os.access(location, os.W_OK) else "the private files folder is not writable"


def check_outbox() -> str | None:
    cutoff = timezone.now() - timedelta(minutes=settings.READY_OUTBOX_STUCK_MINUTES)
    stuck = OutboundEmail.objects.filter(state=EmailState.QUEUED, created_at__lt=cutoff).count()
    return f"{stuck} emails queued for more than {settings.READY_OUTBOX_STUCK_MINUTES} minutes" if stuck else None


def check_beat() -> str | None:
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return "beat has never run"
    if beat.at < timezone.now() - timedelta(minutes=settings.READY_BEAT_STALE_MINUTES):
        return f"beat last ran at {beat.at.isoformat()}"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "private_storage": check_private_storage,
    "outbox": check_outbox,
    "beat": check_beat,
}


def readiness() -> dict[str, str]:
    """{check name: reason} for every check that failed (empty: ready)."""
    failures = {}
    for name, check in CHECKS.items():
        try:
            reason = check()
        except Exception as exc:  # noqa: BLE001  (any failure of a dependency means not ready)
            reason = f"{type(exc).__name__}"
        if reason:
            failures[name] = reason
    return failures
