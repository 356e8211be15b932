"""The researcher's export: a de-identified dataset of the cohorts they are given, as a ZIP
(CSV per table, XLSX, data dictionary), each export logged (dashboard.ResearchExport)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from dashboard.forms import ResearchExportForm
from dashboard.research import grants_for, research_cohorts, research_filename, research_tables, research_zip
from dashboard.services import research_export_log


@login_required
@require_http_methods(["GET", "POST"])
def research_export(request: HttpRequest) -> HttpResponse:
    cohorts = research_cohorts(user=request.user)
    if not cohorts.exists():
        raise Http404("Not found.")
    form = ResearchExportForm(request.POST or None, cohorts=cohorts)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["cohorts"])
        grants = grants_for(user=request.user, cohort_ids=[c.pk for c in chosen])
        tables = research_tables(cohorts=chosen, grants=grants)
        content = research_zip(cohorts=chosen, tables=tables, grants=grants)
        research_export_log(
            user=request.user, cohorts=chosen, tables={name: len(t) for name, t in tables.items()},
            free_text=bool(grants.free_text), contact_data=bool(grants.contact_data),
        )  # fmt: skip
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{research_filename()}"'
        return response
    return render(request, "dashboard/research_export.html", {"form": form})


urlpatterns = [path("research/export/", research_export, name="research_export")]
