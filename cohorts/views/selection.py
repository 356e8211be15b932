"""The staff selection page of a call (the hub): its phases in order with dates, how many
applications stand in each, reviews done and pending, links to each phase's ranking, and the
moves: chosen applications to the next phase, or everyone at or above a threshold after a
preview. Program staff of the call's program and superusers only; 404 for everyone else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cohorts.access import parse_id
from cohorts.review_forms import AdvanceForm, ThresholdConfirmForm, ThresholdForm
from cohorts.selectors.phases import applications_above_threshold, phase_next, phase_of_cohort, selection_overview
from cohorts.selectors.reviews import cohort_get_for_staff
from cohorts.services.phases import applications_advance, applications_advance_by_threshold

NO_PHASE = "none"


def _key(standing) -> str:
    return str(standing.phase.pk) if standing.phase is not None else NO_PHASE


def _moved_message(request, result) -> None:
    count = len(result.moved)
    messages.success(
        request,
        ngettext(
            "%(count)d application moved on to %(phase)s.",
            "%(count)d applications moved on to %(phase)s.",
            count,
        )
        % {"count": count, "phase": result.to_phase.display_name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_selection(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    standings = selection_overview(cohort=cohort)
    errors: dict[str, list[str]] = {}
    chosen: set[int] = set()
    if request.method == "POST":
        key = request.POST.get("phase", "")
        standing = next((row for row in standings if _key(row) == key), None)
        if standing is None or standing.next_phase is None:
            errors[key] = [_("This phase has no next phase to move to. Nothing was moved.")]
        else:
            form = AdvanceForm(request.POST, movable=standing.movable)
            if form.is_valid():
                try:
                    result = applications_advance(
                        applications=form.chosen(),
                        to_phase=standing.next_phase,
                        by=request.user,
                        notify=form.cleaned_data["notify"],
                    )
                except ValidationError as error:
                    errors[key] = error.messages
                else:
                    _moved_message(request, result)
                    return redirect("cohorts:selection", pk=cohort.pk)
            else:
                errors[key] = [message for field_errors in form.errors.values() for message in field_errors]
            chosen = {pk for pk in (parse_id(value) for value in request.POST.getlist("applications")) if pk}
    rows = [{"standing": row, "key": _key(row), "errors": errors.get(_key(row), [])} for row in standings]
    shown = {row["key"] for row in rows}
    general_errors = [message for key, messages_ in errors.items() if key not in shown for message in messages_]
    return render(
        request,
        "cohorts/cohort_selection.html",
        {
            "cohort": cohort,
            "rows": rows,
            "has_phases": any(row.phase is not None for row in standings),
            "chosen": chosen,
            "general_errors": general_errors,
            "threshold_form": ThresholdForm(),
            "admin_changelist_url": reverse("admin:cohorts_application_changelist") + f"?cohort={cohort.pk}",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_selection_threshold(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    """GET with a threshold: who would move on, and how many; POST: move exactly them."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    phase = phase_of_cohort(cohort=cohort, pk=phase_pk)
    next_phase = phase_next(phase=phase)
    preview = None
    status = 200
    if request.method == "POST":
        form = ThresholdConfirmForm(request.POST)
        if form.is_valid() and next_phase is not None:
            data = form.cleaned_data
            try:
                result = applications_advance_by_threshold(
                    phase=phase,
                    threshold=float(data["threshold"]),
                    rank_by=data["rank"],
                    expected_ids=data["shown"],
                    by=request.user,
                    notify=data["notify"],
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 409
            else:
                _moved_message(request, result)
                return redirect("cohorts:selection", pk=cohort.pk)
        else:
            status = 400
    else:
        form = ThresholdConfirmForm(request.GET) if "threshold" in request.GET else ThresholdConfirmForm()
        if form.is_bound and not form.is_valid():
            status = 400
    if form.is_bound and not form.errors.get("threshold") and not form.errors.get("rank"):
        data = form.cleaned_data
        preview = applications_above_threshold(phase=phase, threshold=float(data["threshold"]), rank_by=data["rank"])
    return render(
        request,
        "cohorts/cohort_selection_threshold.html",
        {
            "cohort": cohort,
            "phase": phase,
            "next_phase": next_phase,
            "form": form,
            "preview": preview,
            "shown": ",".join(str(pk) for pk in preview.ids) if preview else "",
        },
        status=status,
    )


urlpatterns = [
    path("staff/cohorts/<id:pk>/selection/", cohort_selection, name="selection"),
    path(
        "staff/cohorts/<id:pk>/selection/phases/<id:phase_pk>/threshold/",
        cohort_selection_threshold,
        name="selection_threshold",
    ),
]
