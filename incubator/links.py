"""Absolute links, for emails and anything else read outside the site (the request's host
is not known there): `SITE_URL` plus a path or a named URL."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def absolute_url(path_or_name: str, *args, **kwargs) -> str:
    """`SITE_URL` joined with a path ("/applications/7/") or with the URL named
    `path_or_name` ("cohorts:application_detail", reversed with `args`/`kwargs`).
    A URL that is already absolute is returned as it is."""
    if "://" in path_or_name:
        return path_or_name
    path = (
        path_or_name
        if path_or_name.startswith("/")
        else reverse(path_or_name, args=args or None, kwargs=kwargs or None)
    )
    return f"{settings.SITE_URL}{path}"
