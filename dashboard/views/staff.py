"""Staff pages: the dashboard of a cohort, a program's cohorts side by side, the funder's
report (A4 print page, PDF, XLSX) and its narrative paragraphs. Cohorts and programs are
fetched through selectors scoped to the staff member's programs: 404 otherwise."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dashboard.charts import cohort_charts, program_chart
from dashboard.forms import NarrativeForm
from dashboard.models import ReportNarrative
from dashboard.report import report_filename, report_for, report_html, report_pdf, report_xlsx
from dashboard.selectors import (
    cohort_dashboard,
    cohort_get_for_dashboard,
    cohorts_for_dashboard,
    outcome_row,
    program_comparison,
    program_get_for_dashboard,
    programs_for_dashboard,
)
from dashboard.services import narratives_save
from incubator.dates import bangkok_now
from incubator.forms import add_service_errors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404("Not found.")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    programs = list(programs_for_dashboard(user=request.user))
    cohorts = list(cohorts_for_dashboard(user=request.user)[:300])
    by_program = {program.pk: [] for program in programs}
    for cohort in cohorts:
        by_program.setdefault(cohort.program_id, []).append(cohort)
    rows = [(program, by_program.get(program.pk, [])) for program in programs]
    return render(request, "dashboard/index.html", {"rows": rows})


@login_required
def cohort_view(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_dashboard(user=request.user, pk=pk)
    today = bangkok_now().date()
    board = cohort_dashboard(cohort=cohort, today=today)
    return render(request, "dashboard/cohort.html", {"board": board, "charts": cohort_charts(board), "today": today})


@login_required
def outcome_changes(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    """The list behind an indicator's figures: the change of each organisation."""
    cohort = cohort_get_for_dashboard(user=request.user, pk=pk)
    row = outcome_row(cohort=cohort, indicator_pk=indicator_pk)
    return render(request, "dashboard/outcome_changes.html", {"cohort": cohort, "row": row})


@login_required
def program_view(request: HttpRequest, pk: int) -> HttpResponse:
    program = program_get_for_dashboard(user=request.user, pk=pk)
    columns = program_comparison(program=program)
    return render(
        request, "dashboard/program.html", {"program": program, "columns": columns, "chart": program_chart(columns)}
    )


@login_required
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_dashboard(user=request.user, pk=pk)
    return HttpResponse(report_html(report=report_for(cohort=cohort), request=request))


@login_required
def report_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_dashboard(user=request.user, pk=pk)
    response = HttpResponse(report_pdf(report=report_for(cohort=cohort)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(cohort=cohort, extension="pdf")}"'
    return response


@login_required
def report_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_dashboard(user=request.user, pk=pk)
    response = HttpResponse(report_xlsx(report=report_for(cohort=cohort)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{report_filename(cohort=cohort, extension="xlsx")}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def narrative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_dashboard(user=request.user, pk=pk)
    initial = {n.section: n.text for n in ReportNarrative.objects.filter(cohort=cohort)}
    form = NarrativeForm(request.POST or None, initial_texts=initial)
    if request.method == "POST" and form.is_valid():
        try:
            narratives_save(cohort=cohort, texts=form.texts(), by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report's paragraphs are saved."))
            return redirect("dashboard:cohort", pk=cohort.pk)
    return render(request, "dashboard/narrative_form.html", {"cohort": cohort, "form": form})


urlpatterns = [
    path("staff/dashboard/", index, name="index"),
    path("staff/dashboard/cohorts/<id:pk>/", cohort_view, name="cohort"),
    path("staff/dashboard/cohorts/<id:pk>/outcomes/<id:indicator_pk>/", outcome_changes, name="outcome_changes"),
    path("staff/dashboard/programs/<id:pk>/", program_view, name="program"),
    path("staff/dashboard/cohorts/<id:pk>/report/", report_view, name="report"),
    path("staff/dashboard/cohorts/<id:pk>/report.pdf", report_pdf_view, name="report_pdf"),
    path("staff/dashboard/cohorts/<id:pk>/report.xlsx", report_xlsx_view, name="report_xlsx"),
    path("staff/dashboard/cohorts/<id:pk>/narrative/", narrative_edit, name="narrative"),
]
