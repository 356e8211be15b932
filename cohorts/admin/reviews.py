"""Review assignments and their scores (read-only: reviewers score on the review pages)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cohorts.access import ProgramScopedAdmin, ProgramScopedInline
from cohorts.admin.base import ApplicationCohortListFilter, ReadOnlyInlineMixin, score_text
from cohorts.enums import ReviewState
from cohorts.models import ReviewAssignment, Score
from cohorts.selectors.reviews import review_score_expression
from incubator.admin_helpers import date_column


class ScoreInline(ReadOnlyInlineMixin, ProgramScopedInline, admin.TabularInline):
    model = Score
    extra = 0
    fields = ["criterion", "score", "comment"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion").order_by("criterion__order", "criterion__pk")


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ProgramScopedAdmin):
    program_path = "application__cohort__program"
    list_display = ["reviewer", "application_link", "cohort", "state", "score", "assigned", "completed"]
    list_filter = ["state", ApplicationCohortListFilter]
    list_select_related = ["reviewer", "application__applicant", "application__cohort__program"]
    search_fields = [
        "reviewer__full_name",
        "reviewer__email",
        "application__applicant__full_name",
        "application__applicant__email",
        "application__organisation__name",
    ]
    fields = [
        "application",
        "reviewer",
        "state",
        "score",
        "comment",
        "conflict_reason",
        "assigned_by",
        "assigned",
        "completed",
    ]
    readonly_fields = fields
    inlines = [ScoreInline]
    assigned = date_column("assigned_at", _("assigned at"))
    completed = date_column("completed_at", _("completed at"))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(review_score=review_score_expression())

    def has_add_permission(self, request):
        return False  # assign from the applications list ("Assign reviewers")

    def has_change_permission(self, request, obj=None):
        return False  # the reviewer scores on the review pages

    def has_delete_permission(self, request, obj=None):
        # Only an assignment not yet reviewed can be removed, one at a time.
        return obj is not None and obj.state == ReviewState.PENDING and super().has_delete_permission(request, obj)

    @admin.display(description=_("application"), ordering="application__applicant__full_name")
    def application_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:cohorts_application_change", args=[obj.application_id]),
            obj.application.applicant.get_full_name(),
        )

    @admin.display(description=_("cohort"), ordering="application__cohort__name")
    def cohort(self, obj):
        return obj.application.cohort

    @admin.display(description=_("score (0-100)"), ordering="review_score")
    def score(self, obj):
        return score_text(getattr(obj, "review_score", None))
