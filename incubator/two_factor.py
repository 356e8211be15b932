"""Who must use two-factor login (allauth.mfa), and by when.

Invariant: a person who may see other people's data (superusers and staff here; program staff,
reviewers, researchers and coaches as the feature apps say) has `MFA_GRACE_DAYS` from the
moment the platform first noticed it to add an authenticator; after that every page except
the account pages (where they enrol, verify their email or log out) sends them to enrolment.

The core does not know the feature apps' roles: each app registers a predicate in its
`AppConfig.ready` with `register_two_factor_rule` (as `register_outbox_scope` does).

The status is worked out when the person logs in and when an authenticator is added or
removed, and kept in the session, so that a page costs no query for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from incubator.models import TwoFactorGrace, User

TwoFactorRule = Callable[[User], bool]
SESSION_KEY = "incubator_two_factor"

_rules: list[TwoFactorRule] = []


def register_two_factor_rule(rule: TwoFactorRule) -> None:
    """`rule(user)` is true when `user` must use two-factor login (e.g. a program's reviewer)."""
    if rule not in _rules:
        _rules.append(rule)


def two_factor_required(user: User) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.is_staff or any(rule(user) for rule in _rules)


def two_factor_enrolled(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def two_factor_deadline(user: User) -> datetime:
    """When the grace period of `user` ends (it starts the first time this is asked)."""
    grace, _created = TwoFactorGrace.objects.get_or_create(user=user)
    return grace.since + timedelta(days=settings.MFA_GRACE_DAYS)


def two_factor_status(user: User) -> dict:
    """What the session keeps: nothing to do, or the deadline of a person not yet enrolled."""
    if not two_factor_required(user) or two_factor_enrolled(user):
        return {"due": None}
    return {"due": two_factor_deadline(user).isoformat()}


def two_factor_refresh(request, user: User | None = None) -> dict:
    status = two_factor_status(user or request.user)
    request.session[SESSION_KEY] = status
    return status


def two_factor_due(request, *, refresh: bool = False) -> datetime | None:
    """The enrolment deadline of the request's user, or None when nothing is asked of them
    (from the session; worked out again with `refresh`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    status = None if refresh else request.session.get(SESSION_KEY)
    if status is None:  # asked to, or a session from before this check existed
        status = two_factor_refresh(request)
    return datetime.fromisoformat(status["due"]) if status["due"] else None


def two_factor_days_left(due: datetime) -> int:
    """Days left until `due`, counting a started day as one (1 on the last day)."""
    return max(0, math.ceil((due - timezone.now()).total_seconds() / 86400))
