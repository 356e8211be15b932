"""Reminders, read-only: which draft holders were reminded before the deadline, and which
reviewers before a phase's review deadline, at which offset and when."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cohorts.access import ProgramScopedAdmin
from cohorts.admin.base import ApplicationCohortListFilter, CohortListFilter, ReadOnlyMixin
from cohorts.models import DeadlineReminder, ReviewReminder
from incubator.admin_helpers import date_column


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(ReadOnlyMixin, ProgramScopedAdmin):
    program_path = "application__cohort__program"
    list_display = ["reminded_application", "cohort", "offset_hours", "queued"]
    fields = ["reminded_application", "offset_hours", "queued"]
    readonly_fields = fields
    list_filter = [ApplicationCohortListFilter, "offset_hours"]
    list_select_related = ["application__applicant", "application__cohort__program"]
    search_fields = ["application__applicant__full_name", "application__applicant__email"]
    date_hierarchy = "queued_at"
    queued = date_column("queued_at", _("queued at"))

    @admin.display(description=_("application"), ordering="application")
    def reminded_application(self, obj):
        """The column in the reader's language (the model field has no translated name)."""
        return obj.application

    @admin.display(description=_("cohort"), ordering="application__cohort__name")
    def cohort(self, obj):
        return obj.application.cohort


class PhaseCohortListFilter(CohortListFilter):
    cohort_path = "phase__cohort"


@admin.register(ReviewReminder)
class ReviewReminderAdmin(ReadOnlyMixin, ProgramScopedAdmin):
    """Which reviewers were reminded of a phase's review deadline, when, and with how many
    reviews pending (rows not `emailed` were covered by a nearer reminder)."""

    program_path = "phase__cohort__program"
    list_display = ["reviewer", "phase", "cohort", "offset_days", "pending", "emailed", "queued", "deadline_display"]
    fields = ["reviewer", "phase", "offset_days", "pending", "emailed", "queued", "deadline_display"]
    readonly_fields = fields
    list_filter = [PhaseCohortListFilter, "offset_days", "emailed"]
    list_select_related = ["reviewer", "phase__cohort__program"]
    search_fields = ["reviewer__full_name", "reviewer__email"]
    date_hierarchy = "queued_at"
    queued = date_column("queued_at", _("queued at"))
    deadline_display = date_column("deadline", _("review deadline"))

    @admin.display(description=_("cohort"), ordering="phase__cohort__name")
    def cohort(self, obj):
        return obj.phase.cohort
