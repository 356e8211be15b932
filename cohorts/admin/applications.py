"""Applications: the list with scores and status counts, the application page (answers as
the applicant saw them, files through a scoped view), history and export. The reviewer and
decision actions are in `actions`."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cohorts.access import ProgramScopedAdmin, ProgramScopedInline, ScopedExportMixin
from cohorts.admin.actions import ApplicationActionsMixin
from cohorts.admin.answers import applicant_fields_table, questions_table
from cohorts.admin.base import (
    CohortListFilter,
    ProvinceListFilter,
    ReadOnlyInlineMixin,
    TrackKindListFilter,
    score_text,
)
from cohorts.admin.resources import ApplicationResource
from cohorts.enums import ApplicationStatus
from cohorts.models import Application, ReviewAssignment, Track
from cohorts.selectors.applications import application_answers, application_questions
from cohorts.selectors.reviews import (
    DISAGREEMENT_THRESHOLD,
    application_status_counts,
    review_score_expression,
    with_scores,
)
from incubator.admin_helpers import date_column
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.geo import province_name


class ReviewAssignmentInline(ReadOnlyInlineMixin, ProgramScopedInline, admin.TabularInline):
    model = ReviewAssignment
    fk_name = "application"
    extra = 0
    fields = ["review_link", "state", "review_score", "comment", "conflict_reason", "completed"]
    readonly_fields = fields
    verbose_name_plural = _("reviews")
    completed = date_column("completed_at", _("completed at"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer").annotate(score=review_score_expression())

    @admin.display(description=_("reviewer"))
    def review_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cohorts_reviewassignment_change", args=[obj.pk]), obj.reviewer
        )

    @admin.display(description=_("score (0-100)"))
    def review_score(self, obj):
        return score_text(getattr(obj, "score", None))


@admin.register(Application)
class ApplicationAdmin(ApplicationActionsMixin, ScopedExportMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    resource_classes = [ApplicationResource]
    change_list_template = "admin/cohorts/application/change_list.html"
    # Eight columns fit a 1366 px laptop beside the filters: the track goes under the cohort,
    # the province under the organisation.
    list_display = [
        "applicant_name",
        "cohort_name",
        "status",
        "weighted_score",
        "spread",
        "reviews",
        "organisation_name",
        "submitted",
    ]
    list_filter = [CohortListFilter, TrackKindListFilter, "status", ProvinceListFilter, "organisation__region"]
    list_select_related = ["applicant", "cohort__program", "track", "organisation"]
    search_fields = [
        "applicant__full_name",
        "applicant__email",
        "organisation__name",
        "team_name",
        "idea_title",
        "employer",
    ]
    search_help_text = _("Search by applicant name or email, organisation, team or idea.")
    autocomplete_fields = ["organisation"]
    view_on_site = False  # the site's application page is the applicant's own
    history_list_display = ["status"]  # by its label: see status()
    object_history_list_template = "admin/cohorts/application/object_history_list.html"
    show_full_result_count = False  # one full count per page view is enough at 100,000 rows
    list_per_page = 50

    submitted = date_column("submitted_at", _("submitted at"))

    class Media:
        css = {"all": ["cohorts/admin.css"]}

    def get_list_display(self, request):
        """Filtered to one cohort, every row has the same cohort: the column shows the track only."""
        columns = list(super().get_list_display(request))
        if request.GET.get("cohort"):
            columns[columns.index("cohort_name")] = "track_name"
        return columns

    actions = ["assign_reviewers", "decide_shortlisted", "decide_accepted", "decide_waitlisted", "decide_rejected"]
    inlines = [ReviewAssignmentInline]
    readonly_fields = [
        "cohort",
        "applicant",
        "status",
        "score_summary",
        "applicant_fields",
        "question_answers",
        "created",
        "updated",
        "submitted",
        "decided",
        "withdrawn",
        "consent_version",
        "consented",
    ]

    created = date_column("created_at", _("created at"))
    updated = date_column("updated_at", _("updated at"))
    decided = date_column("decided_at", _("decided at"))
    withdrawn = date_column("withdrawn_at", _("withdrawn at"))
    consented = date_column("consented_at", _("consented at"))

    def get_fieldsets(self, request, obj=None):
        """The application as its track asks it: the track's own fields, then the cohort's
        questions for that track (no empty sections of other tracks)."""
        track_title = obj.track.display_name if obj is not None else _("Application")
        return [
            (None, {"fields": ["cohort", "track", "applicant", "organisation", "status", "score_summary"]}),
            (track_title, {"fields": ["applicant_fields"]}),
            (_("The cohort's questions"), {"fields": ["question_answers"]}),
            (
                _("Dates and consent"),
                {
                    "fields": [
                        ("created", "updated"),
                        ("submitted", "decided", "withdrawn"),
                        ("consent_version", "consented"),
                    ]
                },
            ),
        ]

    @admin.display(description=_("Application"))
    def applicant_fields(self, obj):
        return applicant_fields_table(obj)

    @admin.display(description=_("Answers"))
    def question_answers(self, obj):
        questions = application_questions(application=obj)
        return questions_table(obj, questions, application_answers(application=obj))

    def get_queryset(self, request):
        return with_scores(super().get_queryset(request))

    def get_ordering(self, request):
        # Best score first on the list and in exports; other admins' choices of an application
        # (whose querysets carry no score) by date.
        # Across all cohorts (100,000 rows and more) newest first: ranking every row before the
        # page's LIMIT costs seconds; the score column still sorts on click.
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "cohorts_application_export":
            return [F("weighted_score").desc(nulls_last=True), "-submitted_at", "-pk"]
        if match is not None and match.url_name == "cohorts_application_changelist" and request.GET.get("cohort"):
            return [F("weighted_score").desc(nulls_last=True), "-submitted_at", "-pk"]
        return ["-pk"]

    def has_add_permission(self, request):
        return False  # applicants apply on the site

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("cohorts.change_application")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "track":
            # Only the tracks of the application's own cohort.
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Track.objects.filter(cohort__applications__pk=object_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def revert_disabled(self, request, obj=None):
        return True  # a status goes back only through a decision

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied  # a status goes back only through a decision
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._log_view(request, object_id, response, detail=f"history {version_id}")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._log_view(request, object_id, response)
        return response

    def _log_view(self, request, object_id, response, detail: str = "") -> None:
        """The access log: staff read this application (only once the page was allowed)."""
        if request.method == "GET" and response.status_code == 200:
            access_log_record(
                request=request,
                action=AccessAction.VIEW,
                target=Application._meta.label_lower,
                target_id=unquote(object_id),
                detail=detail,
            )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            counts = application_status_counts(changelist.queryset)
            response.context_data["status_counts"] = [
                (label, counts[value]) for value, label in ApplicationStatus.choices if counts.get(value)
            ]
        return response

    # Columns

    @admin.display(description=_("status"), ordering="status")
    def status(self, obj):
        """The status by its label, in the list, on the page and in each history record."""
        return obj.get_status_display()

    @admin.display(description=_("applicant"), ordering="applicant__full_name")
    def applicant_name(self, obj):
        return format_html('{}<br><span class="quiet">{}</span>', obj.applicant.get_full_name(), obj.applicant.email)

    @admin.display(description=_("cohort, track"), ordering="cohort__applications_close_at")
    def cohort_name(self, obj):
        return format_html('{}<br><span class="quiet">{}</span>', obj.cohort.name, obj.track.display_name)

    @admin.display(description=_("track"), ordering="track__kind")
    def track_name(self, obj):
        return obj.track.display_name

    @admin.display(description=_("organisation, province"), ordering="organisation__name")
    def organisation_name(self, obj):
        if obj.organisation is None:
            return obj.team_name or "–"
        return format_html(
            '{}<br><span class="quiet">{}</span>', obj.organisation.name, province_name(obj.organisation.province)
        )

    @admin.display(description=_("province"), ordering="organisation__province")
    def province(self, obj):
        return province_name(obj.organisation.province) if obj.organisation else "–"

    @admin.display(description=_("reviews"), ordering="reviews_completed")
    def reviews(self, obj):
        return f"{obj.reviews_completed}/{obj.reviews_assigned}"

    @admin.display(description=_("score (0-100)"), ordering="weighted_score")
    def weighted_score(self, obj):
        return score_text(obj.weighted_score)

    @admin.display(description=_("spread"), ordering="score_spread")
    def spread(self, obj):
        if obj.score_spread is None:
            return "–"
        if obj.needs_discussion:
            return format_html('<strong class="errornote">{} ⚠</strong>', score_text(obj.score_spread))
        return score_text(obj.score_spread)

    @admin.display(description=_("scores"))
    def score_summary(self, obj):
        if obj is None or obj.pk is None or not hasattr(obj, "weighted_score"):
            return "–"
        text = gettext(
            "%(score)s / 100 from %(completed)s of %(assigned)s reviews; spread %(spread)s (flagged at %(threshold)s)."
        ) % {
            "score": score_text(obj.weighted_score),
            "completed": obj.reviews_completed,
            "assigned": obj.reviews_assigned,
            "spread": score_text(obj.score_spread),
            "threshold": f"{DISAGREEMENT_THRESHOLD:.0f}",
        }
        return format_html(
            '{} <a href="{}">{}</a>',
            text,
            reverse("cohorts:cohort_ranking", kwargs={"pk": obj.cohort_id}),
            _("Ranked results"),
        )
