"""Who runs which program: the one place that reads Program.staff.

Everything that limits what a staff member sees (rules predicates, selectors, the admin of
every app) asks here. Superusers run every program; an inactive or non-staff user none.
`ProgramScopedAdmin` is the base of every program-scoped admin, in `cohorts/` and in the apps
above it (`workshops/`, `coaching/`): set `program_path` to the lookup from the model to its
program.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from import_export.admin import ExportMixin

from cohorts.models import Program


def programs_for_staff(*, user) -> QuerySet[Program]:
    """The programs a staff member runs: all for superusers, their own for program staff."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    return Program.objects.filter(staff=user)


def program_ids_for_staff(*, user) -> list[int] | None:
    """Program ids a staff member may see, or None for "all" (superusers)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    return list(programs_for_staff(user=user).values_list("pk", flat=True))


def is_staff_of_program(*, user, program_id: int | None) -> bool:
    """Whether `user` runs the program `program_id` (superusers run all)."""
    if not (user.is_authenticated and user.is_active and user.is_staff) or program_id is None:
        return False
    program_ids = program_ids_for_staff(user=user)
    return program_ids is None or program_id in program_ids


def staff_program_ids(request) -> list[int] | None:
    """The program ids the request's user may see (None: all), read once per request."""
    if not hasattr(request, "_cohorts_program_ids"):
        request._cohorts_program_ids = program_ids_for_staff(user=request.user)
    return request._cohorts_program_ids


class ProgramScopedAdmin(admin.ModelAdmin):
    """Limits every queryset of the admin (changelist, change view, autocomplete, export,
    actions) to the programs the staff member runs. Subclasses set `program_path`."""

    program_path = "cohort__program"

    def scope(self, request, queryset):
        program_ids = staff_program_ids(request)
        if program_ids is None:
            return queryset
        return queryset.filter(**{f"{self.program_path}__in": program_ids})

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))


class ScopedExportMixin(ExportMixin):
    """Exports of what the staff member may view, filtered as the changelist is."""

    def has_export_permission(self, request):
        return self.has_view_permission(request)
