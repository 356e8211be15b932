"""Template context every page gets."""

from django.conf import settings


def site(request) -> dict:
    """`site_name`: the platform's name (`SITE_NAME`), in the active language when unset."""
    return {"site_name": str(settings.SITE_NAME), "line_messaging": bool(settings.LINE_CHANNEL_ACCESS_TOKEN)}


def two_factor(request) -> dict:
    """`two_factor_days_left`: set while a person who must enrol in two-factor login has not
    (the banner on every page counts down; see incubator.two_factor)."""
    due = getattr(request, "two_factor_due", None)
    if due is None:
        return {}
    from incubator.two_factor import two_factor_days_left

    return {"two_factor_days_left": two_factor_days_left(due)}
