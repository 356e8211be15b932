"""Programs and cohorts (calls): tracks, the cohort's own questions and its rubric."""

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cohorts.access import (
    ProgramScopedAdmin,
    ProgramScopedInline,
    program_staff_count,
    program_staff_ids,
    staff_program_ids,
)
from cohorts.enums import ApplicationStatus
from cohorts.models import Cohort, Criterion, Program, Question, Track
from cohorts.services.staff import staff_grant_program_role
from incubator.admin_helpers import date_column


@admin.register(Program)
class ProgramAdmin(ProgramScopedAdmin):
    program_path = "pk"
    list_display = ["name", "name_en", "slug", "is_active", "cohort_count", "staff_count", "emails_link"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["staff"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_cohorts=Count("cohorts", distinct=True), n_staff=program_staff_count())
            .order_by("name", "pk")
        )

    @admin.display(description=_("cohorts"), ordering="n_cohorts")
    def cohort_count(self, obj):
        return obj.n_cohorts

    @admin.display(description=_("staff"), ordering="n_staff")
    def staff_count(self, obj):
        return obj.n_staff

    @admin.display(description=_("email texts"))
    def emails_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("cohorts:program_emails", kwargs={"pk": obj.pk}), _("Email texts")
        )

    def save_related(self, request, form, formsets, change):
        before = program_staff_ids(program=form.instance) if change else set()
        super().save_related(request, form, formsets, change)
        for user in form.cleaned_data["staff"]:
            if user.pk in before:
                continue
            staff_grant_program_role(user=user, program=form.instance, by=request.user)


# Cohort ------------------------------------------------------------------------------------


class TrackInline(ProgramScopedInline, admin.TabularInline):
    model = Track
    extra = 0
    fields = ["kind", "name", "name_en", "capacity", "description"]


class QuestionInline(ProgramScopedInline, admin.StackedInline):
    model = Question
    extra = 0
    fields = [
        ("order", "kind", "required", "track"),
        ("text", "text_en"),
        "help_text",
        "choices",
        "max_length",
        ("identifying", "hidden_from_blind"),
    ]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if "track" in formset.form.base_fields:
            formset.form.base_fields["track"].queryset = (
                Track.objects.filter(cohort=obj) if obj is not None else Track.objects.none()
            )
        return formset


class CriterionInline(ProgramScopedInline, admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["order", "name", "name_en", "description", "weight", "min_score", "max_score"]
    verbose_name_plural = _("rubric (criteria, weights and score ranges)")


@admin.register(Cohort)
class CohortAdmin(ProgramScopedAdmin):
    program_path = "program"
    list_display = [
        "name",
        "program",
        "status",
        "deadline",
        "applications_total",
        "applications_by_status",
        "ranking_link",
        "message_link",
    ]
    list_filter = ["status", "program"]
    list_select_related = ["program"]
    search_fields = ["name", "slug", "program__name", "program__name_en"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["ranking_link", "decisions_link", "message_link"]
    inlines = [TrackInline, QuestionInline, CriterionInline]
    deadline = date_column("applications_close_at", _("application deadline"))
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "program",
                    "number",
                    "name",
                    "slug",
                    "status",
                    "ranking_link",
                    "decisions_link",
                    "message_link",
                ]
            },
        ),
        (_("Call for applications"), {"fields": ["call_text", "applications_open_at", "applications_close_at"]}),
        (_("Dates"), {"fields": ["starts_on", "ends_on", "reminder_offsets"]}),
        (_("Privacy"), {"fields": ["privacy_notice", "privacy_notice_version"]}),
        (_("Decisions"), {"fields": ["waitlist_auto_promote"]}),
    ]

    def get_list_filter(self, request):
        if staff_program_ids(request) is None:
            return self.list_filter
        return ["status"]

    def get_queryset(self, request):
        counts = {
            f"n_{status}": Count("applications", filter=Q(applications__status=status))
            for status in ApplicationStatus.values
        }
        return (
            super()
            .get_queryset(request)
            .annotate(n_applications=Count("applications"), **counts)
            .order_by("-applications_close_at", "pk")
        )

    @admin.display(description=_("applications"), ordering="n_applications")
    def applications_total(self, obj):
        return getattr(obj, "n_applications", None)

    @admin.display(description=_("by status"))
    def applications_by_status(self, obj):
        counts = [
            (label, getattr(obj, f"n_{value}", 0))
            for value, label in ApplicationStatus.choices
            if getattr(obj, f"n_{value}", 0)
        ]
        return format_html_join(", ", "{}: {}", counts) or "–"

    @admin.display(description=_("ranking"))
    def ranking_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("cohorts:cohort_ranking", kwargs={"pk": obj.pk}), _("Ranked results")
        )

    @admin.display(description=_("decisions"))
    def decisions_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("cohorts:decisions_stage", kwargs={"pk": obj.pk}), _("Prepare decisions")
        )

    @admin.display(description=_("write to applicants"))
    def message_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("cohorts:cohort_message", kwargs={"pk": obj.pk}), _("Write to applicants")
        )
