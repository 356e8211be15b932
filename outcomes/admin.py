"""Program-scoped admin for outcomes: staff see only the programs they run (cohorts.access).

Indicators are each program's configuration; measurements entered here are of source "staff"
and go through `measurement_save_by_staff`; worksheets are read here and filled by the leader
and coach on their pages."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from cohorts.access import ProgramScopedAdmin, ScopedExportMixin
from incubator.admin_helpers import PeopleDatesMixin, yes_no_column
from outcomes.models import Indicator, Measurement, Worksheet
from outcomes.services.measurements import measurement_save_by_staff, value_check


class MeasurementAdminForm(forms.ModelForm):
    """The same checks as the service, shown on the form instead of an error page."""

    class Meta:
        model = Measurement
        fields = ["cohort", "organisation", "indicator", "value", "measured_on", "workshop_number", "note"]

    def clean(self):
        cleaned = super().clean()
        indicator, cohort, value = cleaned.get("indicator"), cleaned.get("cohort"), cleaned.get("value")
        if self.instance.visit_id or self.instance.worksheet_id:
            raise ValidationError(_("This figure comes from a visit or a worksheet; change it there."))
        if indicator is not None and cohort is not None and indicator.program_id != cohort.program_id:
            self.add_error("indicator", _("This indicator belongs to another program."))
        if indicator is not None and value is not None:
            try:
                cleaned["value"] = value_check(indicator=indicator, value=value)
            except ValidationError as error:
                self.add_error("value", error)
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(ProgramScopedAdmin):
    program_path = "program"
    list_display = ["name_th", "program", "kind", "direction", "workshop_number", "order", "active_column"]
    list_filter = ["program", "kind", "workshop_number", "active"]
    list_select_related = ["program"]
    search_fields = ["name_th", "name_en", "code"]
    ordering = ["program", "order", "pk"]
    active_column = yes_no_column("active", _("active"))


class MeasurementResource(resources.ModelResource):
    indicator_code = fields.Field(attribute="indicator__code", column_name="indicator")
    organisation = fields.Field(attribute="organisation__name", column_name="organisation")
    cohort = fields.Field(attribute="cohort__slug", column_name="cohort")

    class Meta:
        model = Measurement
        fields = ["id", "cohort", "organisation", "indicator_code", "value", "measured_on", "source", "workshop_number"]


@admin.register(Measurement)
class MeasurementAdmin(PeopleDatesMixin, ScopedExportMixin, ProgramScopedAdmin):
    program_path = "cohort__program"
    resource_classes = [MeasurementResource]
    form = MeasurementAdminForm
    list_display = ["organisation", "indicator", "value", "measured_on", "source", "cohort"]
    list_filter = ["source", "cohort", "indicator__workshop_number"]
    list_select_related = ["organisation", "indicator", "cohort__program"]
    search_fields = ["organisation__name", "indicator__name_th", "indicator__name_en"]
    autocomplete_fields = ["cohort", "organisation"]
    raw_id_fields = ["indicator"]
    readonly_fields = ["source", "worksheet", "visit", "entered_by", "created_at"]
    fields = [
        "cohort",
        "organisation",
        "indicator",
        "value",
        "measured_on",
        "workshop_number",
        "note",
        *readonly_fields,
    ]
    date_hierarchy = "measured_on"

    def save_model(self, request, obj, form, change):
        measurement_save_by_staff(measurement=obj, by=request.user)

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("cohort", "organisation", "indicator")


@admin.register(Worksheet)
class WorksheetAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    program_path = "cohort__program"
    list_display = ["organisation", "cohort", "moment", "workshop_number", "status", "measured_on", "entered_by"]
    list_filter = ["status", "moment", "workshop_number", "cohort"]
    list_select_related = ["organisation", "cohort__program", "entered_by"]
    search_fields = ["organisation__name"]
    readonly_fields = [
        "cohort", "organisation", "workshop_number", "moment", "status", "measured_on", "note", "draft",
        "entered_by", "created_at", "updated_at", "submitted_at",
    ]  # fmt: skip
    verbose_name = _("worksheet")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
