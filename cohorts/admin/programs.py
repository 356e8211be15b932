"""Programs and cohorts (calls): tracks, the cohort's own questions and its rubric."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
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
from cohorts.models import Cohort, Criterion, Phase, Program, Question, Track
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


REMINDER_DAYS_MAX = 60


class PhaseForm(forms.ModelForm):
    """A phase's dates in order (start, review deadline, end) and its reminder days as a list of
    whole days; a clear message on the field, nothing saved otherwise."""

    reminder_days = forms.JSONField(
        label=_("reviewer reminders (days before the deadline)"),
        required=False,
        max_length=100,
        widget=forms.TextInput,
        help_text=_(
            "Days before the review deadline at which reviewers with pending reviews are reminded, e.g. [3, 1]."
        ),
    )

    class Meta:
        model = Phase
        fields = [
            "order",
            "kind",
            "name",
            "name_en",
            "description",
            "description_en",
            "starts_at",
            "review_deadline",
            "ends_at",
            "reviewers",
            "reviewers_per_application",
            "max_reviews_per_reviewer",
            "reminder_days",
            "is_blind",
            "booking_cutoff_hours",
            "scores_published",
        ]

    def clean_reminder_days(self):
        days = self.cleaned_data.get("reminder_days")
        if days in (None, ""):
            return []
        if not isinstance(days, list) or any(
            isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= REMINDER_DAYS_MAX for day in days
        ):
            raise ValidationError(
                _("Enter whole days between 1 and %(max)d as a list, e.g. [3, 1]."), params={"max": REMINDER_DAYS_MAX}
            )
        return sorted(set(days), reverse=True)

    def clean(self):
        cleaned = super().clean()
        starts, deadline, ends = (cleaned.get(name) for name in ("starts_at", "review_deadline", "ends_at"))
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("A phase ends after it starts."))
        if starts and deadline and deadline < starts:
            self.add_error("review_deadline", _("The review deadline cannot fall before the phase starts."))
        if ends and deadline and deadline > ends:
            self.add_error("review_deadline", _("The review deadline cannot fall after the phase ends."))
        return cleaned


class KnownPeopleAutocomplete(AutocompleteSelectMultiple):
    """The autocomplete of a phase's reviewers, naming the people already chosen from the
    cohort's reviewers read once for the whole inline (Django's own asks the database once per
    phase), so the cohort page's query count does not grow with its phases."""

    known: dict[str, object] = {}

    def optgroups(self, name, value, attr=None):
        wanted = [str(item) for item in value if str(item) not in self.choices.field.empty_values]
        if any(item not in self.known for item in wanted):
            return super().optgroups(name, value, attr)
        from incubator.admin import person_label

        options = [
            self.create_option(name, self.known[item].pk, person_label(self.known[item]), set(wanted), index)
            for index, item in enumerate(wanted)
        ]
        return [(None, options, 0)]


class PhaseInline(ProgramScopedInline, admin.StackedInline):
    model = Phase
    form = PhaseForm
    extra = 0
    autocomplete_fields = ["reviewers"]
    fieldsets = [
        (None, {"fields": [("order", "kind"), ("name", "name_en"), ("description", "description_en")]}),
        (_("Dates"), {"fields": [("starts_at", "review_deadline", "ends_at")]}),
        (
            _("Review"),
            {
                "fields": [
                    "reviewers",
                    ("reviewers_per_application", "max_reviews_per_reviewer"),
                    "reminder_days",
                    "is_blind",
                ]
            },
        ),
        (_("Interviews and applicants"), {"fields": [("booking_cutoff_hours", "scores_published")]}),
    ]
    verbose_name_plural = _("selection phases (in order: screening, review, interview, decision)")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("reviewers")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("reviewers")
        if field is not None:
            widget = getattr(field.widget, "widget", field.widget)
            if type(widget) is AutocompleteSelectMultiple:
                widget.__class__ = KnownPeopleAutocomplete
                people = get_user_model().objects.none()
                if obj is not None and obj.pk is not None:
                    people = get_user_model().objects.filter(review_phases__cohort=obj).distinct()
                widget.known = {str(person.pk): person for person in people}
        return formset


class CriterionInline(ProgramScopedInline, admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["phase", "order", "name", "name_en", "description", "weight", "min_score", "max_score"]
    verbose_name_plural = _("rubric (criteria, weights and score ranges)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("phase")
        if field is not None:
            field.queryset = (
                Phase.objects.filter(cohort=obj).order_by("order", "pk") if obj is not None else Phase.objects.none()
            )
            field.error_messages["invalid_choice"] = _(
                "Choose one of this call's phases (save a new phase first), or none for a call without phases."
            )
            field.choices = list(field.choices)  # read once for every criterion's select
        return formset


def _staff_page_link(cohort, url_name: str, label) -> str:
    """A link from the cohort's admin page to one of its staff pages ("–" before it is saved)."""
    if cohort is None or cohort.pk is None:
        return "–"
    return format_html('<a href="{}">{}</a>', reverse(url_name, kwargs={"pk": cohort.pk}), label)


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
        "selection_link",
    ]
    list_filter = ["status", "program"]
    list_select_related = ["program"]
    search_fields = ["name", "slug", "program__name", "program__name_en"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["ranking_link", "selection_link", "decisions_link", "message_link"]
    inlines = [TrackInline, QuestionInline, PhaseInline, CriterionInline]
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
                    "selection_link",
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
        return _staff_page_link(obj, "cohorts:cohort_ranking", _("Ranked results"))

    @admin.display(description=_("decisions"))
    def decisions_link(self, obj):
        return _staff_page_link(obj, "cohorts:decisions_stage", _("Prepare decisions"))

    @admin.display(description=_("write to applicants"))
    def message_link(self, obj):
        return _staff_page_link(obj, "cohorts:cohort_message", _("Write to applicants"))

    @admin.display(description=_("selection"))
    def selection_link(self, obj):
        return _staff_page_link(obj, "cohorts:selection", _("Selection phases and moves"))
