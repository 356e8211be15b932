"""Organisations and participants."""

from django.contrib import admin
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from cohorts.access import ProgramScopedAdmin, ScopedExportMixin, staff_program_ids
from cohorts.admin.base import CohortListFilter, OrganisationProvinceListFilter
from cohorts.admin.resources import OrganisationResource
from cohorts.models import Organisation, Participant
from cohorts.selectors.reviews import cohorts_for_staff
from incubator.admin_helpers import date_column
from incubator.geo import province_name, region_of


@admin.register(Organisation)
class OrganisationAdmin(ScopedExportMixin, ProgramScopedAdmin):
    program_path = None  # applied to or takes part in one of the programs (cohorts.access)
    resource_classes = [OrganisationResource]
    list_display = ["name", "kind", "province_name", "region", "size", "contact_email", "application_count"]
    list_filter = ["kind", "region", OrganisationProvinceListFilter, "size"]
    search_fields = ["name", "contact_name", "contact_email"]
    readonly_fields = ["region", "created_by", "created"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    created = date_column("created_at", _("created at"))

    class Media:
        css = {"all": ["cohorts/admin.css"]}

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
        ("created_by", "created"),
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


@admin.register(Participant)
class ParticipantAdmin(ProgramScopedAdmin):
    list_display = ["user", "user_email", "cohort", "role", "organisation", "is_active", "joined"]
    list_filter = [CohortListFilter, "role", "is_active"]
    list_select_related = ["user", "cohort__program", "organisation"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "cohort", "organisation", "application"]
    joined = date_column("joined_at", _("joined at"))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["user", "cohort", "application", "joined_at"]
        return []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cohort":
            # Scoped by ProgramScopedAdmin anyway; this adds the program the choice's name shows.
            kwargs["queryset"] = cohorts_for_staff(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email
