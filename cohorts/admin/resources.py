"""Exports (django-import-export resources): one flat row per application or organisation."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from cohorts.models import (
    Application,
    Organisation,
)
from incubator.geo import province_name


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
