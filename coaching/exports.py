"""Spreadsheets of coaching rows (django-import-export resources on `cohorts.exports`): the
admin's exports and the staff and researcher visit export share them, so every file has the
same columns, headers in the reader's language, choices and provinces in words (ลงพื้นที่,
ขอนแก่น) and cells escaped against formulas."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from import_export import fields

from coaching.models import ActionItem, Match, Visit
from cohorts.exports import VerboseModelResource

# What the visit export reads: its columns and the rows they come from, nothing else (no draft,
# no pair's reasons or organisation's lists to decode for every row).
VISIT_EXPORT_ONLY = (
    "status", "visited_on", "mode", "place", "province", "phase", "observations", "challenges", "costs",
    "beneficiaries", "impact_unit_cost", "wellbeing_score", "wellbeing_note", "next_visit_on", "submitted_at",
    "match__cohort__name", "match__organisation__name", "author__full_name", "milestone__title",
)  # fmt: skip


def visits_for_export(queryset):
    """`queryset` (visits) with what `VisitResource` writes, in one query."""
    related = ("match__cohort", "match__organisation", "author", "milestone")
    return queryset.select_related(None).select_related(*related).only(*VISIT_EXPORT_ONLY)


class VisitResource(VerboseModelResource):
    cohort = fields.Field(attribute="match__cohort__name", column_name=_("cohort"))
    organisation = fields.Field(attribute="match__organisation__name", column_name=_("organisation"))
    coach = fields.Field(attribute="author__full_name", column_name=_("coach"))
    milestone = fields.Field(attribute="milestone__title", column_name=_("reports against milestone"))

    class Meta:
        model = Visit
        fields = [
            "id", "cohort", "organisation", "coach", "status", "visited_on", "mode", "place", "province", "phase",
            "milestone", "observations", "challenges", "costs", "beneficiaries", "impact_unit_cost",
            "wellbeing_score", "wellbeing_note", "next_visit_on", "submitted_at",
        ]  # fmt: skip
        export_order = fields


class MatchResource(VerboseModelResource):
    cohort = fields.Field(attribute="cohort__name", column_name=_("cohort"))
    coach = fields.Field(attribute="coach__user__full_name", column_name=_("coach"))
    organisation = fields.Field(attribute="organisation__name", column_name=_("organisation"))

    class Meta:
        model = Match
        fields = ["id", "cohort", "coach", "organisation", "status", "score", "confirmed_at", "ended_reason"]
        export_order = fields


class ActionItemResource(VerboseModelResource):
    organisation = fields.Field(attribute="match__organisation__name", column_name=_("organisation"))

    class Meta:
        model = ActionItem
        fields = ["id", "organisation", "title", "owner", "due_on", "status", "created_at"]
        export_order = fields
