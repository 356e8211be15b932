"""Automatic assignment in the admin: reviewers' expertise and proposals (read-only; staff
run and confirm proposals on the phase's assignment page), and staff's pair rules (read and
clear; they are set on the assignment page)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cohorts.access import ProgramScopedAdmin
from cohorts.admin.base import NoAddOrChangeMixin, ReadOnlyMixin
from cohorts.models import ReviewerExpertise, ReviewPairRule, ReviewProposal


@admin.register(ReviewerExpertise)
class ReviewerExpertiseAdmin(ReadOnlyMixin, ProgramScopedAdmin):
    program_path = None  # the programs the person reviews in (cohorts.access)
    list_display = ["user", "track_kinds", "sectors", "regions", "organisation", "updated_at"]
    fields = list_display
    readonly_fields = fields
    list_select_related = ["user", "organisation"]
    search_fields = ["user__full_name", "user__email"]


@admin.register(ReviewPairRule)
class ReviewPairRuleAdmin(NoAddOrChangeMixin, ProgramScopedAdmin):  # staff may delete a rule
    program_path = "phase__cohort__program"
    list_display = ["phase", "application", "reviewer", "kind", "by", "at"]
    fields = list_display
    readonly_fields = fields
    list_filter = ["kind"]
    list_select_related = ["phase__cohort", "application__applicant", "application__cohort", "reviewer", "by"]


@admin.register(ReviewProposal)
class ReviewProposalAdmin(ReadOnlyMixin, ProgramScopedAdmin):
    program_path = "phase__cohort__program"
    list_display = ["phase", "status", "by", "created_at", "confirmed_at", "assignment_page"]
    fields = ["phase", "status", "by", "created_at", "confirmed_at", "assignment_page"]
    readonly_fields = fields
    list_filter = ["status"]
    list_select_related = ["phase__cohort", "by"]

    @admin.display(description=_("assignment page"))
    def assignment_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("cohorts:phase_assign", kwargs={"pk": obj.phase_id}), _("Assign reviewers")
        )
