"""Staff admin for programs, cohorts, organisations, applications, reviews and participants.

Superusers see everything. Any other staff member sees only the programs they run
(Program.staff) and what belongs to them: cohorts, applications, reviews, participants,
reminders and the organisations that applied to them, in changelists, change views (others
redirect to the admin index as "not found"), autocomplete results, exports and actions.
Every status change goes through `cohorts.services.reviews`.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from simple_history.admin import SimpleHistoryAdmin

from cohorts.access import (
    ProgramScopedAdmin,
    ProgramScopedInline,
    ScopedExportMixin,
    program_staff_count,
    program_staff_ids,
    programs_for_staff,
    staff_program_ids,
)
from cohorts.enums import ApplicationStatus, ReviewState, TrackKind
from cohorts.models import (
    Answer,
    Application,
    Cohort,
    Criterion,
    DeadlineReminder,
    Organisation,
    Participant,
    Program,
    Question,
    ReviewAssignment,
    Score,
    Track,
)
from cohorts.review_forms import AssignReviewersForm
from cohorts.selectors.reviews import (
    DISAGREEMENT_THRESHOLD,
    application_status_counts,
    cohorts_for_staff,
    review_score_expression,
    reviewer_candidates,
    with_scores,
)
from cohorts.services.applications import COMMON_FIELDS, TRACK_FIELDS
from cohorts.services.reviews import (
    REVIEWABLE_STATUSES,
    DecisionRefused,
    applications_decide_bulk,
    decision_refusal,
    review_assign,
    staff_grant_program_role,
)
from incubator.geo import PROVINCE_CHOICES, province_name, region_of


def _score(value) -> str:
    return "–" if value is None else f"{value:.1f}"


# Scoping: cohorts.access ------------------------------------------------------------------


class ReadOnlyInlineMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CohortListFilter(admin.SimpleListFilter):
    """Cohorts of the staff member's programs (one query, program names included)."""

    title = _("cohort")
    parameter_name = "cohort"
    cohort_path = "cohort"

    def lookups(self, request, model_admin):
        cohorts = Cohort.objects.select_related("program").order_by("-applications_close_at", "pk")
        program_ids = staff_program_ids(request)
        if program_ids is not None:
            cohorts = cohorts.filter(program_id__in=program_ids)
        return [(cohort.pk, str(cohort)) for cohort in cohorts]

    def queryset(self, request, queryset):
        if self.value():
            try:
                return queryset.filter(**{f"{self.cohort_path}_id": int(self.value())})
            except ValueError:
                return queryset.none()
        return queryset


class ApplicationCohortListFilter(CohortListFilter):
    cohort_path = "application__cohort"


class ProvinceListFilter(admin.SimpleListFilter):
    """By province (all 77: listing only those that occur would scan every row on each page view)."""

    title = _("province")
    parameter_name = "province"
    province_path = "organisation__province"

    def lookups(self, request, model_admin):
        return list(PROVINCE_CHOICES)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.province_path: self.value()})
        return queryset


class TrackKindListFilter(admin.SimpleListFilter):
    title = _("track")
    parameter_name = "track"

    def lookups(self, request, model_admin):
        return TrackKind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(track__kind=self.value())
        return queryset


class OrganisationProvinceListFilter(ProvinceListFilter):
    province_path = "province"


# Program -----------------------------------------------------------------------------------


@admin.register(Program)
class ProgramAdmin(ProgramScopedAdmin):
    program_path = "pk"
    list_display = ["name", "name_en", "slug", "is_active", "cohort_count", "staff_count"]
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
    fields = [("order", "kind", "required", "track"), ("text", "text_en"), "help_text", "choices", "max_length"]

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
        "applications_close_at",
        "applications_total",
        "applications_by_status",
        "ranking_link",
    ]
    list_filter = ["status", "program"]
    list_select_related = ["program"]
    search_fields = ["name", "slug", "program__name", "program__name_en"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["ranking_link"]
    inlines = [TrackInline, QuestionInline, CriterionInline]
    fieldsets = [
        (None, {"fields": ["program", "number", "name", "slug", "status", "ranking_link"]}),
        (_("Call for applications"), {"fields": ["call_text", "applications_open_at", "applications_close_at"]}),
        (_("Dates"), {"fields": ["starts_on", "ends_on", "reminder_offsets"]}),
        (_("Privacy"), {"fields": ["privacy_notice", "privacy_notice_version"]}),
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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "program":
            kwargs["queryset"] = programs_for_staff(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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


# Organisation ------------------------------------------------------------------------------


class OrganisationResource(resources.ModelResource):
    kind = fields.Field(column_name=_("kind"))
    province = fields.Field(column_name=_("province"))
    region = fields.Field(column_name=_("region"))
    size = fields.Field(column_name=_("size"))

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "province",
            "region",
            "size",
            "focus_areas",
            "needs",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "created_at",
        ]
        export_order = fields

    def dehydrate_kind(self, organisation):
        return organisation.get_kind_display()

    def dehydrate_province(self, organisation):
        return province_name(organisation.province)

    def dehydrate_region(self, organisation):
        return organisation.get_region_display()

    def dehydrate_size(self, organisation):
        return organisation.get_size_display()


@admin.register(Organisation)
class OrganisationAdmin(ScopedExportMixin, ProgramScopedAdmin):
    program_path = None  # applied to or takes part in one of the programs (cohorts.access)
    resource_classes = [OrganisationResource]
    list_display = ["name", "kind", "province_name", "region", "size", "contact_email", "application_count"]
    list_filter = ["kind", "region", OrganisationProvinceListFilter, "size"]
    search_fields = ["name", "contact_name", "contact_email"]
    readonly_fields = ["region", "created_by", "created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = [
        "name",
        "kind",
        ("province", "region"),
        "size",
        "focus_areas",
        "needs",
        "description",
        "website",
        ("contact_name", "contact_email", "contact_phone"),
        ("created_by", "created_at"),
    ]

    def get_queryset(self, request):
        program_ids = staff_program_ids(request)
        counted = None if program_ids is None else Q(applications__cohort__program__in=program_ids)
        return (
            super()
            .get_queryset(request)
            .annotate(n_applications=Count("applications", filter=counted))
            .order_by("name", "pk")
        )

    @admin.display(description=_("province"), ordering="province")
    def province_name(self, obj):
        return province_name(obj.province)

    @admin.display(description=_("applications"), ordering="n_applications")
    def application_count(self, obj):
        return obj.n_applications

    def save_model(self, request, obj, form, change):
        obj.region = region_of(obj.province)
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# Application -------------------------------------------------------------------------------


class ApplicationResource(resources.ModelResource):
    """One flat row per application."""

    applicant_name = fields.Field(column_name=_("applicant"))
    applicant_email = fields.Field(attribute="applicant__email", column_name=_("email"))
    program = fields.Field(column_name=_("program"))
    cohort = fields.Field(attribute="cohort__name", column_name=_("cohort"))
    track = fields.Field(column_name=_("track"))
    status = fields.Field(column_name=_("status"))
    organisation = fields.Field(attribute="organisation__name", column_name=_("organisation"))
    province = fields.Field(column_name=_("province"))
    score = fields.Field(column_name=_("weighted score (0-100)"))
    reviews_completed = fields.Field(attribute="reviews_completed", column_name=_("completed reviews"))
    score_spread = fields.Field(column_name=_("spread between reviewers"))

    class Meta:
        model = Application
        fields = [
            "id",
            "applicant_name",
            "applicant_email",
            "program",
            "cohort",
            "track",
            "status",
            "organisation",
            "province",
            "team_name",
            "idea_title",
            "submitted_at",
            "decided_at",
            "score",
            "reviews_completed",
            "score_spread",
        ]
        export_order = fields

    def dehydrate_applicant_name(self, application):
        return application.applicant.get_full_name()

    def dehydrate_program(self, application):
        return application.cohort.program.display_name

    def dehydrate_track(self, application):
        return application.track.display_name

    def dehydrate_status(self, application):
        return application.get_status_display()

    def dehydrate_province(self, application):
        return province_name(application.organisation.province) if application.organisation else ""

    def dehydrate_score(self, application):
        value = getattr(application, "weighted_score", None)
        return "" if value is None else round(value, 1)

    def dehydrate_score_spread(self, application):
        value = getattr(application, "score_spread", None)
        return "" if value is None else round(value, 1)


class AnswerInline(ReadOnlyInlineMixin, ProgramScopedInline, admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "value", "file"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question").order_by("question__order", "question__pk")


class ReviewAssignmentInline(ReadOnlyInlineMixin, ProgramScopedInline, admin.TabularInline):
    model = ReviewAssignment
    fk_name = "application"
    extra = 0
    fields = ["review_link", "state", "review_score", "comment", "conflict_reason", "completed_at"]
    readonly_fields = fields
    verbose_name_plural = _("reviews")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer").annotate(score=review_score_expression())

    @admin.display(description=_("reviewer"))
    def review_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cohorts_reviewassignment_change", args=[obj.pk]), obj.reviewer
        )

    @admin.display(description=_("score (0-100)"))
    def review_score(self, obj):
        return _score(getattr(obj, "score", None))


@admin.register(Application)
class ApplicationAdmin(ScopedExportMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    resource_classes = [ApplicationResource]
    change_list_template = "admin/cohorts/application/change_list.html"
    list_display = [
        "applicant_name",
        "cohort_name",
        "track_name",
        "status",
        "weighted_score",
        "spread",
        "reviews",
        "organisation_name",
        "province",
        "submitted_at",
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
    history_list_display = ["status"]
    show_full_result_count = False  # one full count per page view is enough at 100,000 rows
    list_per_page = 50

    class Media:
        css = {"all": ["cohorts/admin.css"]}

    def get_list_display(self, request):
        """Filtered to one cohort, every row has the same cohort: leave that column out."""
        columns = list(super().get_list_display(request))
        if request.GET.get("cohort"):
            columns.remove("cohort_name")
        return columns

    actions = ["assign_reviewers", "decide_shortlisted", "decide_accepted", "decide_waitlisted", "decide_rejected"]
    inlines = [ReviewAssignmentInline, AnswerInline]
    readonly_fields = [
        "cohort",
        "applicant",
        "status",
        "score_summary",
        *COMMON_FIELDS,
        *TRACK_FIELDS[TrackKind.INTRAPRENEUR],
        *TRACK_FIELDS[TrackKind.TEAM],
        "consent_version",
        "consented_at",
        "created_at",
        "updated_at",
        "submitted_at",
        "decided_at",
        "withdrawn_at",
    ]
    fieldsets = [
        (None, {"fields": ["cohort", "track", "applicant", "organisation", "status", "score_summary"]}),
        # The applicant's fields per track, as the application form asks them.
        (_("Application"), {"fields": list(COMMON_FIELDS)}),
        (_("Intrapreneur"), {"classes": ["collapse"], "fields": list(TRACK_FIELDS[TrackKind.INTRAPRENEUR])}),
        (_("Team or idea"), {"classes": ["collapse"], "fields": list(TRACK_FIELDS[TrackKind.TEAM])}),
        (
            _("Dates and consent"),
            {
                "fields": [
                    ("created_at", "updated_at"),
                    ("submitted_at", "decided_at", "withdrawn_at"),
                    ("consent_version", "consented_at"),
                ]
            },
        ),
    ]

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
        return super().history_form_view(request, object_id, version_id, extra_context)

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

    @admin.display(description=_("applicant"), ordering="applicant__full_name")
    def applicant_name(self, obj):
        return format_html('{}<br><span class="quiet">{}</span>', obj.applicant.get_full_name(), obj.applicant.email)

    @admin.display(description=_("cohort"), ordering="cohort__applications_close_at")
    def cohort_name(self, obj):
        return obj.cohort.name

    @admin.display(description=_("track"), ordering="track__kind")
    def track_name(self, obj):
        return obj.track.display_name

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def organisation_name(self, obj):
        return obj.organisation.name if obj.organisation else (obj.team_name or "–")

    @admin.display(description=_("province"), ordering="organisation__province")
    def province(self, obj):
        return province_name(obj.organisation.province) if obj.organisation else "–"

    @admin.display(description=_("reviews"), ordering="reviews_completed")
    def reviews(self, obj):
        return f"{obj.reviews_completed}/{obj.reviews_assigned}"

    @admin.display(description=_("score (0-100)"), ordering="weighted_score")
    def weighted_score(self, obj):
        return _score(obj.weighted_score)

    @admin.display(description=_("spread"), ordering="score_spread")
    def spread(self, obj):
        if obj.score_spread is None:
            return "–"
        if obj.needs_discussion:
            return format_html('<strong class="errornote">{} ⚠</strong>', _score(obj.score_spread))
        return _score(obj.score_spread)

    @admin.display(description=_("scores"))
    def score_summary(self, obj):
        if obj is None or obj.pk is None or not hasattr(obj, "weighted_score"):
            return "–"
        text = gettext(
            "%(score)s / 100 from %(completed)s of %(assigned)s reviews; spread %(spread)s (flagged at %(threshold)s)."
        ) % {
            "score": _score(obj.weighted_score),
            "completed": obj.reviews_completed,
            "assigned": obj.reviews_assigned,
            "spread": _score(obj.score_spread),
            "threshold": f"{DISAGREEMENT_THRESHOLD:.0f}",
        }
        return format_html(
            '{} <a href="{}">{}</a>',
            text,
            reverse("cohorts:cohort_ranking", kwargs={"pk": obj.cohort_id}),
            _("Ranked results"),
        )

    # Actions

    @admin.action(description=_("Assign reviewers to the selected applications"), permissions=["decide"])
    def assign_reviewers(self, request, queryset):
        applications = list(queryset.select_related("applicant", "cohort__program").order_by("pk"))
        if not applications:
            self.message_user(request, gettext("No application was selected."), messages.WARNING)
            return None
        not_reviewable = [application for application in applications if application.status not in REVIEWABLE_STATUSES]
        if not_reviewable:
            self.message_user(
                request,
                gettext("Reviewers can only be assigned to handed-in applications still being decided: %(names)s.")
                % {"names": "; ".join(f"{a} ({a.get_status_display()})" for a in not_reviewable)}
                + " "
                + gettext("Nothing was changed."),
                messages.ERROR,
            )
            return None
        program_ids = sorted({application.cohort.program_id for application in applications})
        candidates = list(reviewer_candidates(program_ids=program_ids))
        if "apply" in request.POST:
            form = AssignReviewersForm(request.POST, candidates=candidates)
            if form.is_valid():
                people = form.cleaned_data["people"]
                try:
                    with transaction.atomic():
                        created = 0
                        for application in applications:
                            for person in people:
                                before = application.reviews.filter(reviewer=person).exists()
                                review_assign(application=application, reviewer=person, by=request.user)
                                created += 0 if before else 1
                except ValidationError as error:
                    self.message_user(
                        request, " ".join(error.messages) + " " + gettext("Nothing was changed."), messages.ERROR
                    )
                    return None
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d review assigned to %(people)s.",
                        "%(count)d reviews assigned to %(people)s.",
                        created,
                    )
                    % {"count": created, "people": ", ".join(str(person) for person in people)},
                    messages.SUCCESS,
                )
                return None
        else:
            form = AssignReviewersForm(candidates=candidates)
        return TemplateResponse(
            request,
            "admin/cohorts/application/assign_reviewers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Assign reviewers"),
                "opts": self.model._meta,
                "form": form,
                "applications": applications,
                "action": "assign_reviewers",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "media": self.media + form.media,
            },
        )

    def _decide(self, request, queryset, status: str):
        applications = list(queryset.select_related("applicant", "cohort__program", "track").order_by("pk"))
        label = ApplicationStatus(status).label
        if not applications:
            self.message_user(request, gettext("No application was selected."), messages.WARNING)
            return None
        if "confirm" not in request.POST:
            # Check first, so that staff learn of refusals before they confirm.
            refused = [a for a in applications if decision_refusal(application=a, status=status)]
            if refused:
                self.message_user(
                    request,
                    gettext("These applications cannot be decided: %(names)s. Nothing was changed.")
                    % {"names": "; ".join(f"{a} ({a.get_status_display()})" for a in refused)},
                    messages.ERROR,
                )
                return None
            return TemplateResponse(
                request,
                "admin/cohorts/application/decide_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Mark the selected applications as “%(status)s”?") % {"status": label},
                    "opts": self.model._meta,
                    "applications": applications,
                    "status": status,
                    "status_label": label,
                    "action": f"decide_{status}",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        try:
            result = applications_decide_bulk(applications=applications, status=status, by=request.user)
        except DecisionRefused as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        message = ngettext(
            "%(count)d application marked as “%(status)s”; the applicant's email is queued.",
            "%(count)d applications marked as “%(status)s”; the applicants' emails are queued.",
            len(result.changed),
        ) % {"count": len(result.changed), "status": label}
        if result.unchanged:
            message += " " + ngettext(
                "%(count)d was already “%(status)s”.", "%(count)d were already “%(status)s”.", len(result.unchanged)
            ) % {"count": len(result.unchanged), "status": label}
        self.message_user(request, message, messages.SUCCESS)
        return None

    @admin.action(description=_("Shortlist the selected applications"), permissions=["decide"])
    def decide_shortlisted(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.SHORTLISTED)

    @admin.action(description=_("Accept the selected applications (they become participants)"), permissions=["decide"])
    def decide_accepted(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.ACCEPTED)

    @admin.action(description=_("Put the selected applications on the waiting list"), permissions=["decide"])
    def decide_waitlisted(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.WAITLISTED)

    @admin.action(description=_("Reject the selected applications"), permissions=["decide"])
    def decide_rejected(self, request, queryset):
        return self._decide(request, queryset, ApplicationStatus.REJECTED)


# Reviews -----------------------------------------------------------------------------------


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
    list_display = ["reviewer", "application_link", "cohort", "state", "score", "assigned_at", "completed_at"]
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
        "assigned_at",
        "completed_at",
    ]
    readonly_fields = fields
    inlines = [ScoreInline]

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
        return _score(getattr(obj, "review_score", None))


# Participants and reminders ----------------------------------------------------------------


@admin.register(Participant)
class ParticipantAdmin(ProgramScopedAdmin):
    list_display = ["user", "user_email", "cohort", "role", "organisation", "is_active", "joined_at"]
    list_filter = [CohortListFilter, "role", "is_active"]
    list_select_related = ["user", "cohort__program", "organisation"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "cohort", "organisation", "application"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["user", "cohort", "application", "joined_at"]
        return []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cohort":
            kwargs["queryset"] = cohorts_for_staff(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(ProgramScopedAdmin):
    program_path = "application__cohort__program"
    list_display = ["application", "cohort", "offset_hours", "queued_at"]
    list_filter = [ApplicationCohortListFilter, "offset_hours"]
    list_select_related = ["application__applicant", "application__cohort__program"]
    search_fields = ["application__applicant__full_name", "application__applicant__email"]
    date_hierarchy = "queued_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("cohort"), ordering="application__cohort__name")
    def cohort(self, obj):
        return obj.application.cohort
