"""Outcome pages: the organisations a person may see (leader, coach, program staff), one
organisation's indicators as small charts over time, each with its table, and the worksheet
(phone first, offline-capable, nothing typed lost).

Every organisation is fetched through `selectors.outcome_entry_get_for_user`, which answers
404 for what the user may not see."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from incubator.dates import format_date
from outcomes import selectors
from outcomes.enums import IndicatorKind, MeasurementSource, Stage, WorksheetMoment, WorksheetStatus
from outcomes.forms import WorksheetForm, field_name
from outcomes.services import worksheets as worksheet_services

# A figure recorded at a visit this recently is shown on the worksheet instead of asked again.
VISIT_FIGURE_FRESH_DAYS = 45

# How each source is drawn on a chart: a shape as well as the table, never colour alone.
POINT_STYLES = {
    MeasurementSource.BASELINE: "rect",
    MeasurementSource.APPLICATION: "rect",
    MeasurementSource.WORKSHEET_BEFORE: "triangle",
    MeasurementSource.WORKSHEET_AFTER: "circle",
    MeasurementSource.VISIT: "rectRot",
    MeasurementSource.STAFF: "crossRot",
}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _entry(request, cohort_id: int, organisation_id: int):
    return selectors.outcome_entry_get_for_user(request.user, cohort_id=cohort_id, organisation_id=organisation_id)


@login_required
def index(request):
    entries = selectors.outcome_entries_for(request.user)
    return render(request, "outcomes/index.html", {"entries": entries})


def display_value(indicator, value) -> str:
    if value is None:
        return "—"
    if indicator.kind == IndicatorKind.YES_NO:
        return str(_("Yes")) if value else str(_("No"))
    if indicator.kind == IndicatorKind.STAGE:
        try:
            return str(Stage(int(value)).label)
        except ValueError:
            return str(value)
    number = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    unit = indicator.display_unit
    return f"{number} {unit}" if unit and indicator.kind != IndicatorKind.SCALE else number


def _tick_labels(indicator) -> dict:
    if indicator.kind == IndicatorKind.YES_NO:
        return {"0": str(_("No")), "1": str(_("Yes"))}
    if indicator.kind == IndicatorKind.STAGE:
        return {str(value): str(label) for value, label in Stage.choices}
    return {}


def _charts(series) -> tuple[list[dict], list[dict]]:
    """Rows for the tables and the data of the charts (the same figures)."""
    sources = dict(MeasurementSource.choices)
    blocks, charts = [], []
    for index, (indicator, points) in enumerate(series.items()):
        rows = [
            {
                "date": format_date(p.measured_on), "value": display_value(indicator, p.value),
                "source": str(sources.get(p.source, p.source)),
            }
            for p in points
        ]  # fmt: skip
        blocks.append({"indicator": indicator, "rows": rows, "index": index, "chart": len(points) > 0})
        if points:
            charts.append(
                {
                    "index": index,
                    "label": indicator.display_name,
                    "unit": indicator.display_unit,
                    "ticks": _tick_labels(indicator),
                    "points": [
                        {
                            "x": p.measured_on.isoformat(), "y": float(p.value), "date": format_date(p.measured_on),
                            "text": display_value(indicator, p.value), "source": str(sources.get(p.source, p.source)),
                            "style": POINT_STYLES.get(p.source, "circle"),
                        }
                        for p in points
                    ],
                }
            )  # fmt: skip
    return blocks, charts


def _worksheet_links(entry, sheets) -> list[dict]:
    moments = [(WorksheetMoment.BASELINE, 0)] + [
        (moment, n) for n in (1, 2, 3) for moment in (WorksheetMoment.BEFORE, WorksheetMoment.AFTER)
    ]
    links = []
    for moment, number in moments:
        sheet = sheets.get((moment, number))
        links.append(
            {
                "label": _worksheet_title(moment, number),
                "url": reverse(
                    "outcomes:worksheet",
                    kwargs={"cohort_id": entry.cohort.pk, "organisation_id": entry.organisation.pk,
                            "moment": moment, "number": number},
                ),
                "done": sheet is not None and sheet.status == WorksheetStatus.SUBMITTED,
                "measured_on": sheet.measured_on if sheet is not None else None,
                "moment": moment,
                "number": number,
            }
        )  # fmt: skip
    return links


def _worksheet_title(moment: str, number: int) -> str:
    if moment == WorksheetMoment.BASELINE:
        return _("Baseline (start of the cohort)")
    if moment == WorksheetMoment.BEFORE:
        return _("Before workshop %(number)d") % {"number": number}
    return _("After workshop %(number)d") % {"number": number}


@login_required
def organisation_detail(request, cohort_id: int, organisation_id: int):
    entry = _entry(request, cohort_id, organisation_id)
    series = selectors.organisation_series(cohort=entry.cohort, organisation=entry.organisation)
    blocks, charts = _charts(series)
    changes = selectors.organisation_changes(cohort=entry.cohort, organisation_id=entry.organisation.pk)
    sheets = selectors.worksheets_for(cohort=entry.cohort, organisation=entry.organisation)
    return render(
        request,
        "outcomes/organisation_detail.html",
        {
            "entry": entry,
            "blocks": blocks,
            "empty_blocks": [block for block in blocks if not block["rows"]],
            "charts": charts,
            "changes": [
                {
                    "change": c,
                    "baseline": display_value(c.indicator, c.baseline_value),
                    "latest": display_value(c.indicator, c.latest_value),
                }
                for c in changes
            ],
            "worksheets": _worksheet_links(entry, sheets) if entry.can_fill else [],
        },
    )


def _check_moment(moment: str, number: int) -> None:
    if moment not in WorksheetMoment.values or (moment == WorksheetMoment.BASELINE) != (number == 0) or number > 3:
        raise Http404("No such worksheet.")


def _worksheet_context(request, entry, moment, number, form, client_id, sheet, visit_figures):
    return {
        "entry": entry,
        "form": form,
        "client_id": client_id,
        "title": _worksheet_title(moment, number),
        "server_draft": sheet.draft if sheet is not None else {},
        "submitted": sheet is not None and sheet.status == WorksheetStatus.SUBMITTED,
        "sheet": sheet,
        "visit_figures": visit_figures,
        "indicator_fields": [form[field_name(i)] for i in form.indicators],
        "detail_url": reverse(
            "outcomes:organisation_detail",
            kwargs={"cohort_id": entry.cohort.pk, "organisation_id": entry.organisation.pk},
        ),
        "draft_url": reverse(
            "outcomes:worksheet_draft",
            kwargs={
                "cohort_id": entry.cohort.pk,
                "organisation_id": entry.organisation.pk,
                "moment": moment,
                "number": number,
            },
        ),  # fmt: skip
    }


def _asked_and_known(entry, moment, number):
    """The indicators the worksheet asks, and the figures a recent visit already gave."""
    indicators = selectors.indicators_for_worksheet(
        program_id=entry.cohort.program_id, moment=moment, workshop_number=number
    )
    since = timezone.localdate() - timedelta(days=VISIT_FIGURE_FRESH_DAYS)
    recent = selectors.recent_visit_figures(cohort=entry.cohort, organisation=entry.organisation, since=since)
    asked = [ind for ind in indicators if ind.pk not in recent]
    known = [
        {"indicator": ind, "value": display_value(ind, recent[ind.pk].value), "date": recent[ind.pk].measured_on}
        for ind in indicators
        if ind.pk in recent
    ]
    return asked, known


@never_cache
@login_required
def worksheet(request, cohort_id: int, organisation_id: int, moment: str, number: int):
    _check_moment(moment, number)
    entry = _entry(request, cohort_id, organisation_id)
    if not entry.can_fill:
        raise Http404("Only the leader and the coach fill in the worksheet.")
    asked, known = _asked_and_known(entry, moment, number)
    sheet = selectors.worksheets_for(cohort=entry.cohort, organisation=entry.organisation).get((moment, number))
    if request.method == "POST":
        return _worksheet_submit(request, entry, moment, number, asked, known, sheet)
    client_id = uuid.uuid4()  # one per send: a correction is a new send, a retry the same
    initial = {"client_id": client_id, "measured_on": timezone.localdate()}
    if sheet is not None and sheet.status == WorksheetStatus.SUBMITTED:
        initial["measured_on"] = sheet.measured_on
        initial["note"] = sheet.note
        for m in sheet.measurements.select_related("indicator"):
            initial[f"ind_{m.indicator.code}"] = m.value
    form = WorksheetForm(indicators=asked, initial=initial)
    context = _worksheet_context(request, entry, moment, number, form, client_id, sheet, known)
    return render(request, "outcomes/worksheet_form.html", context)


def _worksheet_submit(request, entry, moment, number, asked, known, sheet):
    form = WorksheetForm(request.POST, indicators=asked)
    error_list: list[str] = []
    if form.is_valid():
        try:
            _sheet, applied = worksheet_services.worksheet_submit(
                cohort=entry.cohort, organisation=entry.organisation, moment=moment, workshop_number=number,
                by=request.user, client_id=form.cleaned_data["client_id"],
                measured_on=form.cleaned_data["measured_on"], values=form.values(), note=form.cleaned_data["note"],
            )  # fmt: skip
        except PermissionDenied as error:
            raise Http404("No such worksheet.") from error
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    target = name if name in form.fields else f"ind_{name}"
                    if target in form.fields:
                        form.add_error(target, errors)
                    else:
                        error_list += errors
            else:
                error_list += error.messages
        else:
            url = reverse(
                "outcomes:organisation_detail",
                kwargs={"cohort_id": entry.cohort.pk, "organisation_id": entry.organisation.pk},
            )
            if _wants_json(request):
                return JsonResponse({"url": url, "applied": applied}, status=201 if applied else 200)
            messages.success(request, _("The worksheet is saved."))
            return redirect(url)
    if _wants_json(request):
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"errors": errors, "messages": error_list}, status=400)
    client_id = request.POST.get("client_id") or uuid.uuid4()
    context = _worksheet_context(request, entry, moment, number, form, client_id, sheet, known)
    context["error_list"] = error_list
    return render(request, "outcomes/worksheet_form.html", context, status=400)


@login_required
@require_POST
def worksheet_draft(request, cohort_id: int, organisation_id: int, moment: str, number: int):
    _check_moment(moment, number)
    entry = _entry(request, cohort_id, organisation_id)
    try:
        payload = json.loads(request.body or b"{}")
        draft = payload.get("draft") or {}
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"error": "bad draft"}, status=400)
    try:
        worksheet_services.worksheet_draft_save(
            cohort=entry.cohort, organisation=entry.organisation, moment=moment, workshop_number=number,
            by=request.user, draft=draft,
        )  # fmt: skip
    except PermissionDenied as error:
        raise Http404("No such worksheet.") from error
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"saved": True})


@never_cache
@require_GET
def service_worker(request):
    response = render(request, "outcomes/sw.js", content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/outcomes/"
    return response


_ORG = "outcomes/cohorts/<id:cohort_id>/organisations/<id:organisation_id>/"

urlpatterns = [
    path("outcomes/", index, name="index"),
    path("outcomes/sw.js", service_worker, name="service_worker"),
    path(_ORG, organisation_detail, name="organisation_detail"),
    path(f"{_ORG}worksheets/<slug:moment>/<int:number>/", worksheet, name="worksheet"),
    path(f"{_ORG}worksheets/<slug:moment>/<int:number>/draft/", worksheet_draft, name="worksheet_draft"),
]
