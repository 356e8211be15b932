"""What each signed-in person's menu shows, loaded with the person in the same query.

The menu follows roles: an applicant sees no coaching item, a person with no review to do no
review item. Each app registers a role as an `Exists(...)` over its own tables with
`role_register(name, factory)` (in its AppConfig.ready, so that the core names no app); the
authentication backends below load the user with one boolean annotation per role
(`user.has_role_<name>`), so no page pays an extra query for its menu.

A user object loaded another way has no such attribute; templates read it as "no role".
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Expression

_ROLES: dict[str, Callable[[], Expression]] = {}


def role_register(name: str, expression: Callable[[], Expression]) -> None:
    """`expression()` is a boolean expression over the user row (OuterRef("pk") is the user)."""
    _ROLES[name] = expression


def users_with_roles(queryset=None):
    queryset = get_user_model()._default_manager.all() if queryset is None else queryset
    return queryset.annotate(**{f"has_role_{name}": expression() for name, expression in _ROLES.items()})


class _WithRoles:
    def get_user(self, user_id):
        try:
            user = users_with_roles().get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class RoleModelBackend(_WithRoles, ModelBackend):
    """Django's ModelBackend; the user comes with the menu's roles."""


class RoleAllauthBackend(_WithRoles, AllauthBackend):
    """allauth's backend (log in by email); the user comes with the menu's roles."""
