from django.apps import apps

from incubator.models import User


def user_set_language(*, user: User, language: str) -> User:
    user.preferred_language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["preferred_language"])
    return user


def home_open_calls(limit: int = 6) -> list:
    """Open calls for the home page, when the cohorts app provides them."""
    if not apps.is_installed("cohorts"):
        return []
    try:
        from cohorts.selectors import cohorts_open_calls
    except ImportError:
        return []
    return list(cohorts_open_calls()[:limit])
