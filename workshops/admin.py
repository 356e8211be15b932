"""Staff admin for workshop series, workshops, sessions, registrations, attendance and
feedback, scoped to the programs the staff member runs (`ProgramScopedAdmin`). Moving and
cancelling a session happen on the staff pages (a service with a reason and a notice), so the
session's time and status are read-only here once it exists."""

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from import_export import fields
from simple_history.admin import SimpleHistoryAdmin

from cohorts.access import ProgramScopedAdmin, ScopedExportMixin, staff_program_ids
from cohorts.admin.outbox import outbox_scope_for
from cohorts.exports import VerboseModelResource
from cohorts.models import Cohort
from incubator.admin import register_outbox_scope
from incubator.admin_helpers import PeopleDatesMixin, yes_no_column
from incubator.validators import MATERIAL_EXTENSIONS, MATERIAL_MAX_BYTES, clean_upload
from workshops.enums import ATTENDED
from workshops.models import (
    Announcement,
    Attendance,
    Feedback,
    Material,
    Registration,
    ReminderText,
    Session,
    Workshop,
    WorkshopSeries,
)


def _scoped_cohorts(request):
    program_ids = staff_program_ids(request)
    cohorts = Cohort.objects.select_related("program")
    return cohorts if program_ids is None else cohorts.filter(program_id__in=program_ids)


class WorkshopInline(admin.TabularInline):
    model = Workshop
    extra = 0
    fields = ["order", "title", "title_en", "starts_on", "ends_on", "venue", "province", "required"]
    show_change_link = True


class ReminderTextInline(admin.StackedInline):
    model = ReminderText
    extra = 0


@admin.register(WorkshopSeries)
class WorkshopSeriesAdmin(PeopleDatesMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    program_path = "cohort__program"
    list_display = ["cohort", "starts_on", "reminder_offsets", "overview"]
    list_select_related = ["cohort__program"]
    search_fields = ["cohort__name", "cohort__program__name"]
    autocomplete_fields = ["cohort"]
    inlines = [WorkshopInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cohort":
            kwargs["queryset"] = _scoped_cohorts(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("overview"))
    def overview(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("workshops:series_detail", args=[obj.pk]), _("open"))


class SessionInline(PeopleDatesMixin, admin.TabularInline):
    model = Session
    extra = 0
    fields = ["title", "starts_at", "ends_at", "room", "facilitator", "status"]
    readonly_fields = ["starts_at", "ends_at", "status"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class MaterialForm(forms.ModelForm):
    """A material is checked like every upload (`incubator.validators`: type by extension and
    content, size) and a picture is stored without its metadata."""

    class Meta:
        model = Material
        fields = ["title", "file"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            return clean_upload(upload, extensions=MATERIAL_EXTENSIONS, max_bytes=MATERIAL_MAX_BYTES)
        return upload


class MaterialInline(admin.TabularInline):
    model = Material
    form = MaterialForm
    extra = 0
    fields = ["title", "file"]


@admin.register(Workshop)
class WorkshopAdmin(PeopleDatesMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    program_path = "series__cohort__program"
    list_display = ["title", "series", "order", "starts_on", "ends_on", "province", "required_column"]
    list_filter = ["required"]
    list_select_related = ["series__cohort__program"]
    search_fields = ["title", "title_en", "series__cohort__name"]
    autocomplete_fields = ["series"]
    inlines = [SessionInline, MaterialInline]
    required_column = yes_no_column("required", pgettext_lazy("workshop", "required"))
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # online links: https by default


@admin.register(Session)
class SessionAdmin(PeopleDatesMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    program_path = "workshop__series__cohort__program"
    list_display = ["__str__", "workshop", "starts_at", "ends_at", "room", "status", "sequence"]
    list_filter = ["status"]
    list_select_related = ["workshop__series__cohort__program"]
    search_fields = ["title", "workshop__title", "workshop__series__cohort__name"]
    autocomplete_fields = ["workshop"]
    date_hierarchy = "starts_at"

    def readonly_names(self, request, obj=None):
        if obj is not None:
            return ["workshop", "starts_at", "ends_at", "status", "sequence", "change_reason", "move_link"]
        return ["sequence", "change_reason"]

    def get_exclude(self, request, obj=None):
        return ["status"] if obj is None else []

    @admin.display(description=_("move or cancel"))
    def move_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("workshops:session_move", args=[obj.pk]),
            _("move"),
            reverse("workshops:session_cancel", args=[obj.pk]),
            _("cancel"),
        )


def with_attended(queryset):
    """Each registration (a person on a workshop) with the sessions of it they attended."""
    if "sessions_attended" in queryset.query.annotations:
        return queryset
    attended = (
        Attendance.objects.filter(
            participant=OuterRef("participant"), session__workshop=OuterRef("workshop"), status__in=ATTENDED
        )
        .order_by()
        .values("participant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        sessions_attended=Coalesce(Subquery(attended, output_field=IntegerField()), Value(0)),
        sessions_total=Count("workshop__sessions", distinct=True),
    )


class RegistrationResource(VerboseModelResource):
    person = fields.Field(attribute="participant__user__full_name", column_name=_("person"))
    email = fields.Field(attribute="participant__user__email", column_name=_("email"))
    organisation = fields.Field(attribute="participant__organisation__name", column_name=_("organisation"))
    workshop = fields.Field(attribute="workshop__title", column_name=_("workshop"))
    cohort = fields.Field(attribute="workshop__series__cohort__name", column_name=_("cohort"))
    sessions_attended = fields.Field(attribute="sessions_attended", column_name=_("sessions attended"))
    sessions_total = fields.Field(attribute="sessions_total", column_name=_("sessions"))

    class Meta:
        model = Registration
        fields = [
            "id",
            "cohort",
            "workshop",
            "person",
            "email",
            "organisation",
            "rsvp",
            "sessions_attended",
            "sessions_total",
            "reason",
            "needs_travel",
            "needs_accommodation",
            "travel_notes",
            "dietary_needs",
            "responded_at",
        ]
        export_order = fields

    def get_queryset(self):
        return with_attended(
            super()
            .get_queryset()
            .select_related("participant__user", "participant__organisation", "workshop__series__cohort")
        )

    def filter_export(self, queryset, **kwargs):
        return with_attended(super().filter_export(queryset, **kwargs))


@admin.register(Registration)
class RegistrationAdmin(PeopleDatesMixin, ScopedExportMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    resource_classes = [RegistrationResource]
    program_path = "workshop__series__cohort__program"
    list_display = [
        "participant",
        "workshop",
        "rsvp",
        "attended",
        "needs_travel_column",
        "needs_accommodation_column",
        "dietary_needs",
    ]
    needs_travel_column = yes_no_column("needs_travel", _("needs travel support"))
    needs_accommodation_column = yes_no_column("needs_accommodation", _("needs accommodation"))
    list_filter = ["rsvp", "needs_travel", "needs_accommodation"]
    list_select_related = ["participant__user", "workshop__series__cohort"]
    search_fields = ["participant__user__full_name", "participant__user__email", "workshop__title"]
    autocomplete_fields = ["workshop"]
    raw_id_fields = ["participant"]

    def get_queryset(self, request):
        return with_attended(super().get_queryset(request))

    @admin.display(description=_("sessions attended"), ordering="sessions_attended")
    def attended(self, obj):
        return f"{obj.sessions_attended}/{obj.sessions_total}"


class AttendanceResource(VerboseModelResource):
    person = fields.Field(attribute="participant__user__full_name", column_name=_("person"))
    email = fields.Field(attribute="participant__user__email", column_name=_("email"))
    organisation = fields.Field(attribute="participant__organisation__name", column_name=_("organisation"))
    workshop = fields.Field(attribute="session__workshop__title", column_name=_("workshop"))
    session = fields.Field(attribute="session__title", column_name=_("session"))
    starts_at = fields.Field(attribute="session__starts_at", column_name=_("starts at"))
    cohort = fields.Field(attribute="session__workshop__series__cohort__name", column_name=_("cohort"))

    class Meta:
        model = Attendance
        fields = [
            "id",
            "cohort",
            "workshop",
            "session",
            "starts_at",
            "person",
            "email",
            "organisation",
            "status",
            "marked_at",
        ]
        export_order = fields

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("participant__user", "participant__organisation", "session__workshop__series__cohort")
        )


@admin.register(Attendance)
class AttendanceAdmin(PeopleDatesMixin, ScopedExportMixin, ProgramScopedAdmin, SimpleHistoryAdmin):
    resource_classes = [AttendanceResource]
    program_path = "session__workshop__series__cohort__program"
    list_display = ["participant", "workshop", "session", "status", "marked_at", "marked_by"]
    list_filter = ["status"]
    list_select_related = ["participant__user", "session__workshop", "marked_by"]
    search_fields = ["participant__user__full_name", "participant__user__email", "session__workshop__title"]
    raw_id_fields = ["participant", "session", "marked_by"]

    @admin.display(description=_("workshop"), ordering="session__workshop__title")
    def workshop(self, obj):
        return obj.session.workshop


class FeedbackResource(VerboseModelResource):
    person = fields.Field(attribute="participant__user__full_name", column_name=_("person"))
    email = fields.Field(attribute="participant__user__email", column_name=_("email"))
    workshop = fields.Field(attribute="workshop__title", column_name=_("workshop"))
    cohort = fields.Field(attribute="workshop__series__cohort__name", column_name=_("cohort"))

    class Meta:
        model = Feedback
        fields = ["id", "cohort", "workshop", "person", "email", "rating", "learned", "will_try", "submitted_at"]
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("participant__user", "workshop__series__cohort")


@admin.register(Feedback)
class FeedbackAdmin(PeopleDatesMixin, ScopedExportMixin, ProgramScopedAdmin):
    resource_classes = [FeedbackResource]
    program_path = "workshop__series__cohort__program"
    list_display = ["participant", "workshop", "rating", "submitted_at"]
    list_filter = ["rating"]
    list_select_related = ["participant__user", "workshop"]
    search_fields = ["participant__user__full_name", "workshop__title", "learned", "will_try"]
    raw_id_fields = ["participant", "workshop"]


@admin.register(Announcement)
class AnnouncementAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    program_path = "series__cohort__program"
    list_display = ["subject", "series", "workshop", "recipients", "sent_by", "sent_at"]
    list_select_related = ["series__cohort__program", "workshop", "sent_by"]
    readonly_fields = ["series", "workshop", "subject", "body", "recipients", "sent_by", "sent_at"]

    def has_add_permission(self, request):
        return False


# Program staff see the workshop emails (reminders, notices, announcements) of their programs.
register_outbox_scope(outbox_scope_for((Session, Workshop, Announcement)))
