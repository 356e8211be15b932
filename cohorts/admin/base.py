"""What the cohorts admins share: list filters, read-only inlines, score and date columns."""

from django.contrib import admin
from django.core.exceptions import BadRequest
from django.utils.translation import gettext_lazy as _

from cohorts.access import (
    parse_id,
    staff_program_ids,
)
from cohorts.enums import TrackKind
from cohorts.models import (
    Cohort,
)
from incubator.geo import PROVINCE_CHOICES


def score_text(value) -> str:
    return "–" if value is None else f"{value:.1f}"


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
            cohort_id = parse_id(self.value())
            if cohort_id is None:  # letters or 25 digits: a malformed link, not a database error
                raise BadRequest("Malformed cohort filter.")
            return queryset.filter(**{f"{self.cohort_path}_id": cohort_id})
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
