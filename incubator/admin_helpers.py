"""Helpers every app's admin uses (kept apart from `incubator.admin`, which registers the
core's models): dates shown as people read them, and a date drill-down that answers 400
instead of 500 for a malformed year."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import BadRequest, FieldDoesNotExist
from django.db import models
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

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


class PeopleDatesMixin:
    """Dates in changelists and read-only fields as people read them (Buddhist Era in Thai,
    Bangkok time): Django's own formatting gives Common Era years on Thai pages."""

    def _date_display(self, name):
        if not isinstance(name, str):
            return name
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        if not isinstance(field, models.DateField):
            return name
        displays = self.__dict__.setdefault("_date_displays", {})
        if name not in displays:
            with_time = isinstance(field, models.DateTimeField)

            def show(obj, name=name, with_time=with_time):
                return format_date(getattr(obj, name), with_time=with_time) or "–"

            show.short_description = field.verbose_name
            show.admin_order_field = name
            show.__name__ = f"{name}_display"
            displays[name] = show
        return displays[name]

    def readonly_names(self, request, obj=None) -> list:
        """The read-only fields by name (an admin overrides this, not get_readonly_fields)."""
        return list(super().get_readonly_fields(request, obj))

    def _readonly_dates(self, request, obj) -> list[str]:
        return [name for name in self.readonly_names(request, obj) if self._date_display(name) is not name]

    def get_list_display(self, request):
        return [self._date_display(name) for name in super().get_list_display(request)]

    def get_readonly_fields(self, request, obj=None):
        return [self._date_display(name) for name in self.readonly_names(request, obj)]

    def get_fields(self, request, obj=None):
        dates = set(self._readonly_dates(request, obj))
        return [self._date_display(name) if name in dates else name for name in super().get_fields(request, obj)]

    def get_exclude(self, request, obj=None):
        dates = self._readonly_dates(request, obj)
        excluded = super().get_exclude(request, obj)
        return [*(excluded or []), *dates] if dates or excluded is not None else None


def yes_no_column(field: str, description):
    """A boolean column whose icon says yes or no in the reader's language (Django's own icon
    reads "True"/"False" in English to a screen reader)."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        value = getattr(obj, field)
        return format_html(
            '<img src="{}" alt="{}">',
            static(f"admin/img/icon-{'yes' if value else 'no'}.svg"),
            _("Yes") if value else _("No"),
        )

    return column
