"""Which fields an application and its organisation have, per track: plain data that the
forms, the services, the admin and the demo data all read (below forms and services, so
that neither imports the other for it)."""

from __future__ import annotations

from cohorts.enums import TrackKind

ORGANISATION_FIELDS = (
    "name",
    "kind",
    "province",
    "focus_areas",
    "size",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "needs",
    "description",
)
ORGANISATION_LIST_FIELDS = ("focus_areas", "needs")
# Organisation fields an organisation-track application needs before it can be submitted.
ORGANISATION_REQUIRED = ("name", "kind", "province", "needs")

COMMON_FIELDS = ("motivation", "expectations")
TRACK_FIELDS: dict[str, tuple[str, ...]] = {
    TrackKind.ORGANISATION: (),
    TrackKind.INTRAPRENEUR: (
        "employer",
        "job_title",
        "skills",
        "sectors",
        "travel_provinces",
        "languages",
        "availability_days_per_month",
    ),
    TrackKind.TEAM: ("team_name", "idea_title", "idea_summary", "team_size"),
}
LIST_FIELDS = ("sectors", "travel_provinces", "languages")
# Standard fields that must be filled in to submit, per track: the motivation, and every
# field of the intrapreneur and team tracks.
REQUIRED_TO_SUBMIT: dict[str, tuple[str, ...]] = {
    TrackKind.ORGANISATION: ("motivation",),
    TrackKind.INTRAPRENEUR: ("motivation", *TRACK_FIELDS[TrackKind.INTRAPRENEUR]),
    TrackKind.TEAM: ("motivation", *TRACK_FIELDS[TrackKind.TEAM]),
}


def fields_for_track(kind: str) -> tuple[str, ...]:
    """The application's own fields the applicant fills in on this track."""
    return COMMON_FIELDS + TRACK_FIELDS.get(kind, ())
