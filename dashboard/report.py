"""The funder's report of a cohort: one set of figures, three forms.

- the A4 print page (`dashboard/report.html`, print CSS with `@page A4`), which the browser
  prints as it is;
- the PDF: WeasyPrint renders that same HTML (Pango and HarfBuzz shape the Thai: tone marks
  and vowels stay on their consonants) with Sarabun, vendored under static/vendor/sarabun/
  (OFL); static files and the chosen photos are read from disk, never fetched over HTTP;
- the XLSX: one sheet per table, every cell escaped by `cohorts.exports.workbook_bytes`, the one XLSX path.

WeasyPrint needs Debian's Pango (`libpango-1.0-0 libpangoft2-1.0-0`); it is imported only
when a PDF is made, so the rest of the site runs without it.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django.utils.translation import gettext as _
from PIL import ImageFile

from coaching.models import VisitPhoto
from cohorts.enums import ParticipantRole
from cohorts.exports import workbook_bytes
from cohorts.models import Cohort, Criterion, Participant
from dashboard.charts import funnel_labels
from dashboard.enums import ReportSection
from dashboard.models import ReportNarrative, ShowcaseEntry
from dashboard.selectors import CohortDashboard, cohort_dashboard
from incubator.dates import bangkok_now, format_date

REPORT_BASE_URL = "https://report.invalid/"


@dataclass
class Report:
    dashboard: CohortDashboard
    selected: list[Participant]
    criteria: list[Criterion]
    narratives: dict[str, str]
    photos: list[ShowcaseEntry]
    made_on: str

    @property
    def cohort(self) -> Cohort:
        return self.dashboard.cohort


def report_for(*, cohort: Cohort) -> Report:
    narratives = {n.section: n.text for n in ReportNarrative.objects.filter(cohort=cohort)}
    return Report(
        dashboard=cohort_dashboard(cohort=cohort),
        selected=list(
            Participant.objects.filter(
                cohort=cohort, is_active=True, role=ParticipantRole.ORGANISATION_LEADER, organisation__isnull=False
            )
            .select_related("organisation", "user")
            .order_by("organisation__name", "pk")
        ),
        criteria=list(Criterion.objects.filter(cohort=cohort)),
        narratives={section: narratives.get(section, "") for section in ReportSection.values},
        photos=list(
            ShowcaseEntry.objects.filter(cohort=cohort, in_report=True, photo__isnull=False)
            .select_related("organisation", "photo")
            .order_by("order", "pk")
        ),
        made_on=format_date(bangkok_now()),
    )


def report_html(*, report: Report, request=None, for_pdf: bool = False) -> str:
    return render_to_string(
        "dashboard/report.html",
        {
            "report": report,
            "sections": ReportSection,
            "for_pdf": for_pdf,
        },
        request=request,
    )


def _collected(name: str) -> str | None:
    """A collected (hashed) static file in production, where finders know only the sources."""
    try:
        path = staticfiles_storage.path(name)
    except NotImplementedError:
        return None
    return path if os.path.exists(path) else None


def _fetch_local(url: str) -> tuple[bytes, str | None]:
    """Static files from the finders, photos from their storage; anything else is refused
    (no request leaves the server)."""
    path = urlparse(url).path
    static_prefix = urlparse(settings.STATIC_URL).path
    if path.startswith(static_prefix):
        name = path.removeprefix(static_prefix)
        found = finders.find(name) or _collected(name)
        if found:
            with open(found, "rb") as handle:
                return handle.read(), mimetypes.guess_type(found)[0]
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.view_name == "coaching:photo":
        try:
            photo = VisitPhoto.objects.get(pk=match.kwargs["pk"])
        except ObjectDoesNotExist:
            photo = None
        if photo is not None:
            with photo.image.open("rb") as handle:
                return handle.read(), "image/jpeg"
    raise ValueError(f"Not a local resource: {url}")


def report_pdf(*, report: Report) -> bytes:
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import, which would let
    # incubator.validators accept truncated photos in this process from then on: keep ours.
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML  # needs Pango: imported only when a PDF is made
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime_type = _fetch_local(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime_type or "application/octet-stream"})

    html = report_html(report=report, for_pdf=True)
    return HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=LocalFetcher()).write_pdf()


def _sheet(sheets: list, title: str, headers: list[str], rows: list[list]) -> None:
    sheets.append((title, headers, rows))


def _numbers(values) -> list:
    """Decimals as numbers a spreadsheet can sum (empty when missing)."""
    return ["" if v is None else float(v) for v in values]


def report_xlsx(*, report: Report) -> bytes:
    board = report.dashboard
    sheets: list = []
    _sheet(
        sheets,
        _("Selection"),
        [_("Track"), *funnel_labels()],
        [[row.label, row.started, row.submitted, row.reviewed, row.accepted] for row in board.applications.by_track]
        + [[_("Total"), board.applications.total.started, board.applications.total.submitted,
            board.applications.total.reviewed, board.applications.total.accepted]],
    )  # fmt: skip
    _sheet(
        sheets,
        _("Participants"),
        [_("Organisation"), _("Role"), _("Province")],
        [
            [p.organisation.name if p.organisation else "", p.get_role_display(),
             p.organisation.get_province_display() if p.organisation else ""]
            for p in report.selected
        ],
    )  # fmt: skip
    _sheet(
        sheets,
        _("Attendance"),
        [_("Workshop"), _("Session"), _("Present or late"), _("Excused"), _("Absent")],
        [
            [row.workshop.display_title, format_date(s.session.starts_at, with_time=True), s.attended,
             s.counts.get("excused", 0), s.counts.get("absent", 0)]
            for row in board.workshops.rows
            for s in row.sessions
        ],
    )  # fmt: skip
    _sheet(
        sheets,
        _("Visits"),
        [_("Organisation"), _("Coach"), _("Visits"), _("Last visit")],
        [
            [r.organisation.name, r.coach_name, r.visits, format_date(r.last_visit)]
            for r in board.coaching.organisations
        ],
    )
    _sheet(
        sheets,
        _("Feedback"),
        [_("Workshop"), _("Answers"), _("Average rating"), "1", "2", "3", "4", "5"],
        [
            [
                row.workshop.display_title,
                sum(n for _r, n in row.ratings),
                row.rating_average or "",
                *[n for _r, n in row.ratings],
            ]
            for row in board.workshops.rows
        ],
    )
    _sheet(
        sheets,
        _("Outcomes"),
        [_("Indicator"), _("Baseline (median)"), _("Baseline (lowest)"), _("Baseline (highest)"),
         _("Latest (median)"), _("Latest (lowest)"), _("Latest (highest)"), _("Organisations reported")],
        [[row.indicator.display_name, *_numbers(row.baseline), *_numbers(row.latest),
          f"{row.reported} / {row.organisations_total}"] for row in board.outcomes],
    )  # fmt: skip
    _sheet(
        sheets,
        _("Outcomes per organisation"),
        [_("Organisation"), _("Indicator"), _("Before"), _("Measured on"), _("After"), _("Measured on"),
         _("Change"), _("Better")],
        [[c.organisation.name, row.indicator.display_name, *_numbers([c.baseline_value]), format_date(c.baseline_on),
          *_numbers([c.latest_value]), format_date(c.latest_on), *_numbers([c.change]),
          "" if c.better is None else (_("Yes") if c.better else _("No"))]
         for row in board.outcomes for c in row.changes],
    )  # fmt: skip
    _sheet(
        sheets,
        _("Narrative"),
        [_("Section"), _("Text")],
        [[str(label), report.narratives.get(value, "")] for value, label in ReportSection.choices],
    )
    return workbook_bytes(sheets)


def report_filename(*, cohort: Cohort, extension: str) -> str:
    return f"report-{cohort.slug}-{bangkok_now():%Y-%m-%d}.{extension}"
