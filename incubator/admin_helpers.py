"""Helpers every app's admin uses (kept apart from `incubator.admin`, which registers the
core's models): dates shown as people read them, and a date drill-down that answers 400
instead of 500 for a malformed year."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import BadRequest

from incubator.dates import format_date


def date_column(field: str, description, *, with_time: bool = True):
    """A changelist column showing `field` as people read dates (Buddhist Era in Thai,
    Bangkok time), sortable by the field: `submitted = date_column("submitted_at", _("..."))`."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        return format_date(getattr(obj, field), with_time=with_time) or "–"

    column.__name__ = f"{field}_display"
    return column


def check_date_hierarchy(model_admin, request) -> None:
    """The changelist's date drill-down parameters make a real date, or 400 (Django's own
    handling answers 500 for a 25-digit year or the year 9999)."""
    field = model_admin.date_hierarchy
    if not field:
        return
    limits = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}
    for part, (low, high) in limits.items():
        value = request.GET.get(f"{field}__{part}")
        if value is None:
            continue
        if not value.isascii() or not value.isdigit() or len(value) > 4 or not low <= int(value) <= high:
            raise BadRequest(f"Not a {part}: {value[:20]!r}")
