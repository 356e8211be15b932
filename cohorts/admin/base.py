"""What the cohorts admins share: list filters, read-only inlines, score and date columns."""

from django.contrib import admin
from django.core.exceptions import BadRequest
from django.utils.translation import gettext_lazy as _

from cohorts.access import parse_id, staff_program_ids
from cohorts.enums import TrackKind
from cohorts.models import Cohort
from incubator.geo import BY_CODE, PROVINCE_CHOICES_BY_REGION, Region, region_of


def score_text(value) -> str:
    return "–" if value is None else f"{value:.1f}"


class NoAddOrChangeMixin:
    """An admin or inline whose rows are made and changed elsewhere (a service, a staff page)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyMixin(NoAddOrChangeMixin):
    """An admin or inline to read only: no add, change or delete."""

    def has_delete_permission(self, request, obj=None):
        return False


ReadOnlyInlineMixin = ReadOnlyMixin  # the name the inlines were written with


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
    """By province, grouped by region: six collapsed regions instead of 77 lines, the chosen
    province's region open (all 77: listing only those that occur would scan every row on
    each page view)."""

    title = _("province")
    parameter_name = "province"
    province_path = "organisation__province"
    template = "admin/cohorts/province_filter.html"

    def lookups(self, request, model_admin):
        return [(code, name) for _region, provinces in PROVINCE_CHOICES_BY_REGION for code, name in provinces]

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        selected_region = region_of(self.value()) if self.value() in BY_CODE else None
        labels = dict(Region.choices)
        for choice, (code, _name) in zip(choices[1:], self.lookup_choices, strict=True):
            region = region_of(code)
            choice.update(region=str(labels[region]), region_open=region == selected_region)
        return choices

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
