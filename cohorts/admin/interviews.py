"""Interviews in the admin, read-only: the slots (each with the link to its phase's interview
page, where staff publish and delete slots, and above the list a link to every interview
phase's page) and the bookings with their history (booked,
moved, cancelled: who and when). Bookings change only through the applicant's page and
`cohorts.services.interviews`, so that seats, reviews, emails and reminders follow."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cohorts.access import ProgramScopedAdmin, scope_to_programs, staff_program_ids
from cohorts.admin.base import ReadOnlyMixin
from cohorts.enums import PhaseKind
from cohorts.models import InterviewBooking, InterviewSlot, Phase
from incubator.admin_helpers import date_column


@admin.register(InterviewSlot)
class InterviewSlotAdmin(ReadOnlyMixin, ProgramScopedAdmin):
    program_path = "phase__cohort__program"
    list_display = ["starts", "phase", "place", "capacity", "seats_taken", "manage"]
    fields = ["phase", "starts", "ends", "place", "online_url", "capacity", "seats_taken", "note"]
    readonly_fields = fields
    list_filter = [("phase", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["phase__cohort__program"]
    date_hierarchy = "starts_at"
    starts = date_column("starts_at", _("starts at"))
    ends = date_column("ends_at", _("ends at"))

    def changelist_view(self, request, extra_context=None):
        """Above the list, a link to the interview page of every interview phase the staff
        member runs (where the first slots of a phase are published)."""
        phases = Phase.objects.filter(kind=PhaseKind.INTERVIEW).select_related("cohort").order_by("-cohort_id", "order")
        extra_context = {
            **(extra_context or {}),
            "interview_phases": list(scope_to_programs(phases, staff_program_ids(request))[:50]),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("Interview page"))
    def manage(self, obj):
        url = reverse("cohorts:interview_slots", kwargs={"pk": obj.phase_id})
        return format_html('<a href="{}">{}</a>', url, _("Publish and manage slots"))


@admin.register(InterviewBooking)
class InterviewBookingAdmin(ReadOnlyMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    program_path = "phase__cohort__program"
    list_display = ["application", "phase", "slot", "status", "sequence", "booked"]
    fields = ["application", "phase", "slot", "status", "sequence", "booked", "cancelled"]
    readonly_fields = fields
    list_filter = [("phase", admin.RelatedOnlyFieldListFilter), "status"]
    list_select_related = ["application__applicant", "application__cohort", "phase", "slot"]
    search_fields = ["application__applicant__full_name", "application__applicant__email"]
    history_list_display = ["status", "slot"]
    booked = date_column("booked_at", _("booked at"))
    cancelled = date_column("cancelled_at", _("cancelled at"))
