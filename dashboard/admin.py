"""Program-scoped admin of the dashboard's data: showcase entries (staff prepare the story,
figures and photo; the leader's and coach's consents are read-only, they give them on their
own page), the report's paragraphs, research data grants and the log of research exports."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from coaching.models import VisitPhoto
from cohorts.access import ProgramScopedAdmin, register_program_scope
from cohorts.admin.base import CohortListFilter
from dashboard.models import ReportNarrative, ResearchDataGrant, ResearchExport, ShowcaseConsent, ShowcaseEntry
from dashboard.research import table_label
from dashboard.services import showcase_entry_changed
from incubator.admin_helpers import PeopleDatesMixin, yes_no_column


class ShowcaseConsentInline(PeopleDatesMixin, admin.TabularInline):
    model = ShowcaseConsent
    extra = 0
    can_delete = False
    fields = ["subject", "version", "given_by", "given_at", "withdrawn_at", "withdrawn_by", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ShowcaseEntry)
class ShowcaseEntryAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    list_display = ["organisation", "cohort", "order", "coach"]
    list_filter = [CohortListFilter]  # only the staff member's cohorts are offered
    list_select_related = ["organisation", "cohort__program", "coach__user"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["cohort", "organisation", "coach"]
    inlines = [ShowcaseConsentInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "photo" and field is not None:
            entry = getattr(request, "_showcase_entry", None)
            field.queryset = (
                VisitPhoto.objects.filter(visit__match__cohort_id=entry.cohort_id,
                                          visit__match__organisation_id=entry.organisation_id)
                if entry is not None else VisitPhoto.objects.none()
            )  # fmt: skip
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._showcase_entry = obj  # the photo choices: this organisation's visit photos
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        showcase_entry_changed(entry=obj)


@admin.register(ShowcaseConsent)
class ShowcaseConsentAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    program_path = "entry__cohort__program"
    list_display = ["entry", "subject", "version", "given_by", "given_at", "withdrawn_at"]
    list_filter = ["subject"]
    list_select_related = ["entry__organisation", "given_by"]
    readonly_fields = ["entry", "subject", "version", "given_by", "given_at", "text", "withdrawn_at", "withdrawn_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportNarrative)
class ReportNarrativeAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    list_display = ["cohort", "section", "updated_by", "updated_at"]
    list_filter = ["section"]
    list_select_related = ["cohort__program", "updated_by"]
    autocomplete_fields = ["cohort"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(ResearchDataGrant)
class ResearchDataGrantAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    program_path = "access__cohort__program"
    list_display = ["access", "free_text_column", "contact_data_column", "granted_at"]
    free_text_column = yes_no_column("free_text", _("may export free text"))
    contact_data_column = yes_no_column("contact_data", _("may export contact data"))
    list_select_related = ["access__user", "access__cohort"]


def _export_scope(program_ids):
    """An export belongs to the programs of the cohorts it holds."""
    cohorts = ResearchExport.cohorts.through.objects.filter(
        researchexport_id=OuterRef("pk"), cohort__program_id__in=program_ids
    )
    return Q(Exists(cohorts))


@admin.register(ResearchExport)
class ResearchExportAdmin(PeopleDatesMixin, ProgramScopedAdmin):
    program_path = None
    list_display = ["user", "created_at", "free_text_column", "contact_data_column", "rows"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["user", "created_at", "cohorts", "rows", "free_text", "contact_data"]
    exclude = ["tables"]
    free_text_column = yes_no_column("free_text", _("free text included"))
    contact_data_column = yes_no_column("contact_data", _("contact data included"))

    @admin.display(description=_("tables and rows"))
    def rows(self, obj):
        return ", ".join(f"{table_label(name)}: {count}" for name, count in obj.tables.items())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


register_program_scope(ResearchExport, _export_scope)
