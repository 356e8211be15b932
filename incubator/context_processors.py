"""Template context every page gets."""

from django.conf import settings


def site(request) -> dict:
    """`site_name`: the platform's name (`SITE_NAME`), in the active language when unset."""
    return {"site_name": str(settings.SITE_NAME), "line_messaging": bool(settings.LINE_CHANNEL_ACCESS_TOKEN)}
