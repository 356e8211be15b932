"""Program-scoped admin for coaching: staff see only the programs they run (cohorts.access).

Matches keep their history (simple-history); visits and action items export (CSV/Excel)
what the staff member may view. State changes of matches go through coaching.services.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from coaching.enums import MatchStatus
from coaching.explain import reasons_text
from coaching.exports import ActionItemResource, MatchResource, VisitResource, visits_for_export
from coaching.models import (
    ActionItem,
    CoachProfile,
    CohortCoachingSettings,
    ConflictOfInterest,
    FollowUpAlert,
    Match,
    MatchingRun,
    Milestone,
    PairRule,
    PlanGoal,
    Preference,
    RelationshipPlan,
    ResearcherAccess,
    Visit,
    VisitPhoto,
)
from cohorts.access import ProgramScopedAdmin, ScopedExportMixin, register_program_scope
from cohorts.admin.outbox import outbox_scope_for
from incubator.admin import register_outbox_scope
from incubator.admin_helpers import PeopleDatesMixin, yes_no_column

# Rows that have no admin of their own but that a scoped form points at (a visit's milestone).
register_program_scope(Milestone, "plan__match__cohort__program")
register_program_scope(PlanGoal, "plan__match__cohort__program")


class PhotoSizeMixin:
    """The photo's size, with column names in the reader's language."""

    @admin.display(description=_("width (pixels)"))
    def photo_width(self, obj):
        return obj.width

    @admin.display(description=_("height (pixels)"))
    def photo_height(self, obj):
        return obj.height


class DistinctScopedAdmin(ProgramScopedAdmin):
    """Scoped through a many-to-many path: one row per object."""

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()


@admin.register(CohortCoachingSettings)
class CohortCoachingSettingsAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    list_display = ["cohort", "no_visit_alert_days", "visit_reminder_days", "action_due_days"]
    list_select_related = ["cohort__program"]
    autocomplete_fields = ["cohort"]


@admin.register(CoachProfile)
class CoachProfileAdmin(PeopleDatesMixin, DistinctScopedAdmin):
    program_path = "cohorts__program"
    list_display = ["user", "kind", "employer", "home_province", "capacity", "active_column"]
    active_column = yes_no_column("is_active", _("active"))
    list_filter = ["kind", "is_active"]
    list_select_related = ["user"]
    search_fields = ["user__full_name", "user__email", "employer"]
    autocomplete_fields = ["user", "cohorts", "source_application"]


@admin.register(MatchingRun)
class MatchingRunAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    list_display = ["cohort", "created_at", "created_by", "total_score"]
    list_select_related = ["cohort__program", "created_by"]
    readonly_fields = ["cohort", "created_at", "created_by", "total_score", "unassigned_organisations"]

    def has_add_permission(self, request):
        return False


@admin.action(description=_("Confirm the selected proposed matches (emails both sides)"))
def confirm_matches(modeladmin, request, queryset):
    from coaching.services.matches import match_confirm

    done = 0
    for match in queryset.filter(status=MatchStatus.PROPOSED).select_related("cohort", "coach__user", "organisation"):
        try:
            match_confirm(match=match, by=request.user)
            done += 1
        except ValidationError as error:
            modeladmin.message_user(request, f"{match}: {'; '.join(error.messages)}", messages.ERROR)
    modeladmin.message_user(request, _("%(count)d matches confirmed.") % {"count": done}, messages.SUCCESS)


@admin.action(description=_("End the selected pairs (with a reason)"))
def end_matches(modeladmin, request, queryset):
    """Ask for the reason, then end each live pair through the service (history kept)."""
    from coaching.forms import EndMatchForm
    from coaching.services.matches import LIVE, match_end

    matches = list(
        queryset.filter(status__in=LIVE).select_related("cohort", "coach__user", "organisation").order_by("pk")
    )
    if not matches:
        modeladmin.message_user(request, _("None of the selected pairs is still going."), messages.WARNING)
        return None
    form = EndMatchForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        for match in matches:
            try:
                match_end(match=match, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                modeladmin.message_user(request, f"{match}: {'; '.join(error.messages)}", messages.ERROR)
        modeladmin.message_user(request, _("The selected pairs have ended."), messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/coaching/match/end_matches.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("End pairs"),
            "opts": modeladmin.model._meta,
            "form": form,
            "matches": matches,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(Match)
class MatchAdmin(PeopleDatesMixin, ScopedExportMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    resource_classes = [MatchResource]
    list_display = ["organisation", "coach", "cohort", "status", "score", "confirmed_at", "pair_page"]
    list_filter = ["status", "cohort"]
    list_select_related = ["organisation", "coach__user", "cohort__program"]
    search_fields = ["organisation__name", "coach__user__full_name", "coach__user__email"]
    autocomplete_fields = ["cohort", "coach", "organisation"]
    readonly_fields = [
        "pair_page", "status", "score", "reasons_in_words", "run", "confirmed_at", "confirmed_by", "ended_at",
    ]  # fmt: skip
    exclude = ["reasons"]
    actions = [confirm_matches, end_matches]

    @admin.display(description=_("pair's page"))
    def pair_page(self, obj):
        """The pair's page (plan, visits, actions; where staff end a pair)."""
        if obj.pk is None:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("coaching:match_detail", args=[obj.pk]), _("open"))

    @admin.display(description=_("reasons"))
    def reasons_in_words(self, obj):
        return reasons_text(obj.reasons)

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("cohort", "coach__user", "organisation")


@admin.register(PairRule)
class PairRuleAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    list_display = ["cohort", "coach", "organisation", "kind", "note"]
    list_filter = ["kind"]
    list_select_related = ["cohort__program", "coach__user", "organisation"]
    autocomplete_fields = ["cohort", "coach", "organisation"]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(PeopleDatesMixin, DistinctScopedAdmin):
    program_path = "coach__cohorts__program"
    list_display = ["coach", "organisation", "kind", "note", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["coach__user", "organisation"]
    autocomplete_fields = ["coach", "organisation"]
    exclude = ["declared_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.declared_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Preference)
class PreferenceAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    list_display = ["cohort", "side", "coach", "organisation", "rank"]
    list_filter = ["side"]
    list_select_related = ["cohort__program", "coach__user", "organisation"]
    autocomplete_fields = ["cohort", "coach", "organisation"]


class PlanGoalInline(admin.TabularInline):
    model = PlanGoal
    extra = 0
    exclude = ["set_by"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(RelationshipPlan)
class RelationshipPlanAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    program_path = "match__cohort__program"
    list_display = ["match", "updated_at"]
    list_select_related = ["match__organisation", "match__coach__user"]
    autocomplete_fields = ["match"]
    inlines = [PlanGoalInline, MilestoneInline]


class VisitPhotoInline(PhotoSizeMixin, admin.TabularInline):
    model = VisitPhoto
    extra = 0
    fields = ["image", "caption", "photo_width", "photo_height"]
    readonly_fields = ["image", "photo_width", "photo_height"]

    def has_add_permission(self, request, obj=None):
        return False  # photos come through the visit form, which checks and strips them


class VisitActionFormSet(forms.BaseInlineFormSet):
    """An action added on the visit page belongs to the visit's pair."""

    def save_new(self, form, commit=True):
        form.instance.match_id = self.instance.match_id
        return super().save_new(form, commit=commit)


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    formset = VisitActionFormSet
    extra = 0
    fields = ["title", "owner", "due_on", "status"]
    fk_name = "visit"


class VisitAdminForm(forms.ModelForm):
    """The milestone a visit reports against is one of its own pair's (as in the visit form)."""

    class Meta:
        model = Visit
        # The draft is what the phone kept while the coach typed: read, never edited, here.
        exclude = ["draft"]  # noqa: DJ006  (the admin picks the fields)

    def clean(self):
        cleaned = super().clean()
        match, milestone = cleaned.get("match"), cleaned.get("milestone")
        if match is not None and milestone is not None and milestone.plan.match_id != match.pk:
            self.add_error("milestone", _("This milestone belongs to another pair."))
        return cleaned


@admin.register(Visit)
class VisitAdmin(PeopleDatesMixin, ScopedExportMixin, ProgramScopedAdmin):
    program_path = "match__cohort__program"
    form = VisitAdminForm
    resource_classes = [VisitResource]
    list_display = ["match", "author", "visited_on", "mode", "phase", "province", "status"]
    list_filter = ["status", "phase", "mode", "match__cohort"]
    list_select_related = ["match__organisation", "match__coach__user", "author"]
    search_fields = ["match__organisation__name", "author__full_name", "place", "observations"]
    autocomplete_fields = ["match", "author"]
    raw_id_fields = ["milestone"]
    readonly_fields = ["client_id", "submitted_at", "created_at", "draft"]
    date_hierarchy = "visited_on"
    inlines = [ActionItemInline, VisitPhotoInline]

    def get_export_queryset(self, request):
        return visits_for_export(super().get_export_queryset(request))


@admin.register(ActionItem)
class ActionItemAdmin(PeopleDatesMixin, ScopedExportMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    program_path = "match__cohort__program"
    resource_classes = [ActionItemResource]
    list_display = ["title", "match", "owner", "due_on", "status"]
    list_filter = ["status", "owner"]
    list_select_related = ["match__organisation", "match__coach__user"]
    search_fields = ["title", "match__organisation__name"]
    autocomplete_fields = ["match", "visit", "owner_user"]

    def lookup_allowed(self, lookup, value, request=None):
        """The staff dashboard links here per cohort (`?match__cohort__id__exact=`): allowed
        without a cohort filter in the sidebar (which would list every program's cohorts);
        the rows are scoped to the staff member's programs either way."""
        return lookup == "match__cohort__id__exact" or super().lookup_allowed(lookup, value, request)

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("match__organisation")


@admin.register(VisitPhoto)
class VisitPhotoAdmin(PeopleDatesMixin, PhotoSizeMixin, ProgramScopedAdmin):
    program_path = "visit__match__cohort__program"
    list_display = ["visit", "caption", "photo_width", "photo_height", "created_at"]
    list_select_related = ["visit__match__organisation", "visit__match__coach__user"]
    readonly_fields = ["visit", "image", "client_id", "photo_width", "photo_height", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ResearcherAccess)
class ResearcherAccessAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    list_display = ["user", "cohort", "granted_by", "granted_at"]
    list_select_related = ["user", "cohort__program", "granted_by"]
    autocomplete_fields = ["user", "cohort"]
    exclude = ["granted_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(FollowUpAlert)
class FollowUpAlertAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    program_path = "match__cohort__program"
    list_display = ["key", "kind", "queued_at"]
    list_filter = ["kind"]
    readonly_fields = ["key", "kind", "match", "queued_at"]

    def has_add_permission(self, request):
        return False


# Program staff see the coaching emails (match confirmations, follow-up alerts) of their programs.
register_outbox_scope(outbox_scope_for((Match, Visit, ActionItem)))
