"""Deadline reminders: which draft holders were reminded, at which offset (read-only)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cohorts.access import ProgramScopedAdmin
from cohorts.admin.base import ApplicationCohortListFilter
from cohorts.models import DeadlineReminder
from incubator.admin_helpers import date_column


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(ProgramScopedAdmin):
    program_path = "application__cohort__program"
    list_display = ["reminded_application", "cohort", "offset_hours", "queued"]
    fields = ["reminded_application", "offset_hours", "queued"]
    readonly_fields = fields
    list_filter = [ApplicationCohortListFilter, "offset_hours"]
    list_select_related = ["application__applicant", "application__cohort__program"]
    search_fields = ["application__applicant__full_name", "application__applicant__email"]
    date_hierarchy = "queued_at"
    queued = date_column("queued_at", _("queued at"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("application"), ordering="application")
    def reminded_application(self, obj):
        """The column in the reader's language (the model field has no translated name)."""
        return obj.application

    @admin.display(description=_("cohort"), ordering="application__cohort__name")
    def cohort(self, obj):
        return obj.application.cohort
