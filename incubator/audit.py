"""The access log of personal data (`AccessLogEntry`): who read whose data, when, from where.

Invariant: `access_log_record` is the only writer and `access_log_purge` (beat, daily) the
only deleter. On PostgreSQL the table refuses UPDATE and DELETE in the database itself
(django-pgtrigger `Protect` triggers, see the model); the purge lifts the delete trigger for
its own statement only (`pgtrigger.ignore`), so not even a superuser's shell can edit the log
through the ORM or SQL without dropping the trigger.

Callers name what was read as a model instance (`target=application`) or as a label and an id
(`target="coaching.visit", target_id=""` for an export of many rows); `detail` says which
(a file name, an export's format and row count). The IP address is the client's as the web
server saw it (`REMOTE_ADDR`; behind a proxy, the proxy must set it).
"""

from __future__ import annotations

from datetime import timedelta

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from incubator.enums import AccessAction
from incubator.models import AccessLogEntry

DELETE_TRIGGER = "incubator.AccessLogEntry:accesslog_append_only_delete"


def _client_ip(request) -> str | None:
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


def access_log_record(
    *,
    request=None,
    user=None,
    action: AccessAction | str,
    target: models.Model | str,
    target_id: object = "",
    detail: str = "",
) -> AccessLogEntry:
    """Append one entry: `user` (default: the request's) did `action` on `target`."""
    if user is None and request is not None:
        user = request.user
    if user is not None and not user.is_authenticated:
        user = None
    if isinstance(target, models.Model):
        target_id = target.pk
        target = target._meta.label_lower
    return AccessLogEntry.objects.create(
        user=user,
        user_email=getattr(user, "email", "") or "",
        action=action,
        target=target[:100],
        target_id=str(target_id)[:64],
        detail=str(detail)[:255],
        ip=_client_ip(request),
        path=(request.get_full_path() if request is not None else "")[:255],
    )


def access_log_purge(*, now=None) -> int:
    """Delete the entries older than `ACCESS_LOG_RETENTION_DAYS` (the only deleter)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    with pgtrigger.ignore(DELETE_TRIGGER):
        deleted, _by_model = AccessLogEntry.objects.filter(at__lt=cutoff).delete()
    return deleted
