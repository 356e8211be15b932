"""The de-identified research dataset: what a researcher may take away from the cohorts they
are given (coaching.ResearcherAccess).

- Organisations and people are replaced by pseudonyms: HMAC-SHA256 of "kind:id" with
  `settings.RESEARCH_PSEUDONYM_KEY`, shortened to 12 hex digits. The same organisation has
  the same pseudonym in every export and every cohort (so a researcher can follow it), and
  without the key a pseudonym cannot be turned back into an id.
- Names, emails, phones and free text are left out; free text (answers, visit observations,
  feedback) only where the researcher's grant for that cohort allows it, contact data likewise.
- Every cell goes through `cohorts.exports` (formula escaping, BOM for CSV); the ZIP holds one
  CSV per table, one XLSX with a sheet per table and `data-dictionary.md`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import zipfile
from dataclasses import dataclass

import tablib
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coaching.enums import VisitStatus
from coaching.models import ResearcherAccess, Visit
from cohorts.exports import BOM, escape_dataset
from cohorts.models import Application, Cohort, Participant
from incubator.dates import bangkok_now, to_bangkok
from workshops.models import Attendance, Feedback


def pseudonym(kind: str, pk: int | None) -> str:
    if pk is None:
        return ""
    digest = hmac.new(settings.RESEARCH_PSEUDONYM_KEY.encode(), f"{kind}:{pk}".encode(), hashlib.sha256)
    return f"{kind[:3].upper()}-{digest.hexdigest()[:12]}"


def research_cohorts(*, user) -> QuerySet[Cohort]:
    """The cohorts a researcher is given (nothing for anyone else)."""
    if not user.is_authenticated or not user.is_active:
        return Cohort.objects.none()
    return (
        Cohort.objects.filter(pk__in=ResearcherAccess.objects.filter(user=user).values("cohort_id"))
        .select_related("program")
        .order_by("-applications_close_at", "pk")
    )


@dataclass
class Grants:
    free_text: set[int]  # cohort ids
    contact_data: set[int]


def grants_for(*, user, cohort_ids) -> Grants:
    accesses = ResearcherAccess.objects.filter(user=user, cohort_id__in=cohort_ids).select_related("data_grant")
    free, contact = set(), set()
    for access in accesses:
        grant = getattr(access, "data_grant", None)
        if grant is not None and grant.free_text:
            free.add(access.cohort_id)
        if grant is not None and grant.contact_data:
            contact.add(access.cohort_id)
    return Grants(free_text=free, contact_data=contact)


# Each table: (column, description) pairs; the dictionary is written from them.
COLUMNS = {
    "organisations": [
        ("organisation", "pseudonym of the organisation"),
        ("cohort", "cohort slug"),
        ("kind", "kind of organisation (code)"),
        ("province", "province, ISO 3166-2:TH"),
        ("region", "region of Thailand (code)"),
        ("size", "number of people (band)"),
        ("contact_name", "contact person (only with a contact-data grant)"),
        ("contact_email", "contact email (only with a contact-data grant)"),
    ],
    "applications": [
        ("application", "pseudonym of the application"),
        ("applicant", "pseudonym of the applicant"),
        ("organisation", "pseudonym of the organisation (empty for intrapreneurs)"),
        ("cohort", "cohort slug"),
        ("track", "track kind (organisation, intrapreneur, team)"),
        ("status", "application status (code)"),
        ("submitted_on", "date submitted (YYYY-MM-DD, Bangkok)"),
        ("motivation", "why they want to join (only with a free-text grant)"),
    ],
    "visits": [
        ("visit", "pseudonym of the visit"),
        ("organisation", "pseudonym of the organisation"),
        ("coach", "pseudonym of the coach"),
        ("cohort", "cohort slug"),
        ("visited_on", "date of the visit (YYYY-MM-DD)"),
        ("mode", "on_site, online or phone"),
        ("phase", "which workshop it follows up (strategy, finance, team, other)"),
        ("wellbeing_score", "leader's wellbeing, 1 (low) to 5 (high)"),
        ("observations", "what was observed (only with a free-text grant)"),
        ("challenges", "challenges (only with a free-text grant)"),
    ],
    "attendance": [
        ("participant", "pseudonym of the person"),
        ("organisation", "pseudonym of the person's organisation"),
        ("cohort", "cohort slug"),
        ("workshop", "workshop number in the series (1, 2, 3)"),
        ("session_date", "date of the session (YYYY-MM-DD, Bangkok)"),
        ("status", "present, late, excused or absent"),
    ],
    "feedback": [
        ("participant", "pseudonym of the person"),
        ("cohort", "cohort slug"),
        ("workshop", "workshop number in the series"),
        ("rating", "rating 1 (low) to 5 (high)"),
        ("learned", "what they learned (only with a free-text grant)"),
    ],
}


TABLE_LABELS = {
    "organisations": _("organisations"),
    "applications": _("applications"),
    "visits": _("visits"),
    "attendance": _("attendance"),
    "feedback": _("feedback"),
}


def table_label(name: str) -> str:
    return str(TABLE_LABELS.get(name, name))


def _dataset(name: str) -> tablib.Dataset:
    return tablib.Dataset(headers=[column for column, _description in COLUMNS[name]], title=name)


def research_tables(*, cohorts: list[Cohort], grants: Grants) -> dict[str, tablib.Dataset]:
    """The tables of the dataset (one query each)."""
    ids = [cohort.pk for cohort in cohorts]
    slugs = {cohort.pk: cohort.slug for cohort in cohorts}
    tables = {name: _dataset(name) for name in COLUMNS}

    seen = set()
    for p in (
        Participant.objects.filter(cohort_id__in=ids, organisation__isnull=False)
        .select_related("organisation")
        .order_by("cohort_id", "organisation_id")
    ):
        if (p.cohort_id, p.organisation_id) in seen:
            continue
        seen.add((p.cohort_id, p.organisation_id))
        org = p.organisation
        contact = p.cohort_id in grants.contact_data
        tables["organisations"].append(
            [
                pseudonym("organisation", org.pk), slugs[p.cohort_id], org.kind, org.province, org.region, org.size,
                org.contact_name if contact else "", org.contact_email if contact else "",
            ]
        )  # fmt: skip

    for a in (
        Application.objects.filter(cohort_id__in=ids)
        .select_related("track")
        .only(
            "pk", "applicant_id", "organisation_id", "cohort_id", "track__kind", "status", "submitted_at", "motivation"
        )
        .order_by("cohort_id", "pk")
    ):
        tables["applications"].append(
            [
                pseudonym("application", a.pk), pseudonym("person", a.applicant_id),
                pseudonym("organisation", a.organisation_id), slugs[a.cohort_id], a.track.kind, a.status,
                _iso_date(a.submitted_at), a.motivation if a.cohort_id in grants.free_text else "",
            ]
        )  # fmt: skip

    for v in (
        Visit.objects.filter(match__cohort_id__in=ids, status=VisitStatus.SUBMITTED)
        .select_related("match")
        .only("pk", "match__organisation_id", "match__coach_id", "match__cohort_id", "visited_on", "mode", "phase",
              "wellbeing_score", "observations", "challenges")
        .order_by("match__cohort_id", "visited_on", "pk")
    ):  # fmt: skip
        free = v.match.cohort_id in grants.free_text
        tables["visits"].append(
            [
                pseudonym("visit", v.pk), pseudonym("organisation", v.match.organisation_id),
                pseudonym("coach", v.match.coach_id), slugs[v.match.cohort_id],
                v.visited_on.isoformat() if v.visited_on else "", v.mode, v.phase, v.wellbeing_score or "",
                v.observations if free else "", v.challenges if free else "",
            ]
        )  # fmt: skip

    for row in (
        Attendance.objects.filter(session__workshop__series__cohort_id__in=ids)
        .values_list(
            "participant__user_id", "participant__organisation_id", "session__workshop__series__cohort_id",
            "session__workshop__order", "session__starts_at", "status",
        )
        .order_by("session__starts_at", "pk")
    ):  # fmt: skip
        user_id, org_id, cohort_id, order, starts_at, status = row
        tables["attendance"].append(
            [pseudonym("person", user_id), pseudonym("organisation", org_id), slugs[cohort_id], order,
             _iso_date(starts_at), status]
        )  # fmt: skip

    for row in (
        Feedback.objects.filter(workshop__series__cohort_id__in=ids)
        .values_list("participant__user_id", "workshop__series__cohort_id", "workshop__order", "rating", "learned")
        .order_by("workshop__series__cohort_id", "workshop__order", "pk")
    ):
        user_id, cohort_id, order, rating, learned = row
        tables["feedback"].append(
            [pseudonym("person", user_id), slugs[cohort_id], order, rating,
             learned if cohort_id in grants.free_text else ""]
        )  # fmt: skip
    return tables


def _iso_date(value) -> str:
    return to_bangkok(value).date().isoformat() if value else ""


def data_dictionary(*, cohorts: list[Cohort], tables: dict[str, tablib.Dataset], grants: Grants) -> str:
    lines = [
        "# Data dictionary",
        "",
        "De-identified export of the incubator platform. Organisations and people are replaced by",
        "stable pseudonyms (HMAC-SHA256 of the id with a secret key kept by the platform): the same",
        "organisation or person has the same pseudonym in every export. Names, emails and phones are",
        "not included; free text and contact data only where the researcher's grant allows it.",
        "",
        "Cohorts: " + ", ".join(f"{c.slug} ({c.name})" for c in cohorts),
        f"Free text included for: {', '.join(c.slug for c in cohorts if c.pk in grants.free_text) or 'none'}",
        f"Contact data included for: {', '.join(c.slug for c in cohorts if c.pk in grants.contact_data) or 'none'}",
        "",
    ]
    for name, columns in COLUMNS.items():
        lines += [f"## {name}.csv ({len(tables[name])} rows)", "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{column}` | {description} |" for column, description in columns]
        lines.append("")
    return "\n".join(lines)


def research_zip(*, cohorts: list[Cohort], tables: dict[str, tablib.Dataset], grants: Grants) -> bytes:
    buffer = io.BytesIO()
    book = tablib.Databook()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in tables.items():
            safe = escape_dataset(table)
            safe.title = name
            archive.writestr(f"{name}.csv", (BOM + safe.export("csv")).encode("utf-8"))
            book.add_sheet(safe)
        archive.writestr("dataset.xlsx", book.export("xlsx"))
        archive.writestr("data-dictionary.md", data_dictionary(cohorts=cohorts, tables=tables, grants=grants))
    return buffer.getvalue()


def research_filename() -> str:
    return f"research-dataset-{bangkok_now():%Y-%m-%d}.zip"
