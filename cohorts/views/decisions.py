"""Staff pages of staged decisions: prepare each handed-in application's decision (per row or
for the selected rows), preview the email each person will get, and send the batch after one
confirmation. Program staff only: the cohort is fetched through `cohort_get_for_staff`, so
anyone else (another program's staff too) gets a 404, and so does a preview of an
application of another cohort."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cohorts.decision_forms import (
    ACTION_BULK,
    ALL_PHASES,
    NOT_STAGED,
    STAGED_ANY,
    STAGED_NONE,
    DecisionsFilterForm,
    DecisionsForm,
    SendForm,
    decision_choices,
    has_pending,
    posted_pks,
)
from cohorts.enums import DECISION_STATUSES
from cohorts.models.decisions import DECISION_NOTE_MAX, WAITLIST_POSITION_MAX
from cohorts.selectors.decisions import (
    DecisionIndexRow,
    decisions_index,
    decisions_phases,
    decisions_rows,
    pending_counts,
    pending_get_for_cohort,
)
from cohorts.selectors.reviews import cohort_get_for_staff
from cohorts.services.staging import (
    StaleBatch,
    decision_preview,
    decision_stage,
    decision_unstage,
    decisions_send,
    decisions_stage_bulk,
)
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.forms import add_service_errors


def _counts(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(status.value, status.label, counts.get(status.value, 0)) for status in DECISION_STATUSES]


def _apply(request: HttpRequest, form: DecisionsForm) -> bool:
    """Stage what the form asks, all or nothing; service errors go onto the form."""
    try:
        with transaction.atomic():
            if form.cleaned_data["action"] == ACTION_BULK:
                chosen = set(form.cleaned_data["selected"])
                decisions_stage_bulk(
                    applications=[a for a in form.applications if a.pk in chosen],
                    status=form.cleaned_data["bulk_status"],
                    by=request.user,
                )
                return True
            for application, status, position, note in form.changes():
                try:
                    if status == NOT_STAGED:
                        decision_unstage(application=application, by=request.user)
                    else:
                        decision_stage(
                            application=application,
                            status=status,
                            by=request.user,
                            note=note,
                            waitlist_position=position,
                        )
                except ValidationError as error:
                    if hasattr(error, "error_dict"):
                        for name, errors in error.error_dict.items():
                            field = {"waitlist_position": "position", "note": "note"}.get(name, "status")
                            form.add_error(f"{field}_{application.pk}", errors)
                    else:
                        form.add_error(f"status_{application.pk}", error)
            if form.errors:
                raise ValidationError("rolled back")
    except ValidationError as error:
        if not form.errors:
            add_service_errors(form, error)
        return False
    return True


PER_PAGE = 100


def _listed(index: list[DecisionIndexRow], values: dict[str, str]) -> list[DecisionIndexRow]:
    """The index rows the filter keeps (phase is already the index's scope)."""
    rows = index
    if values["status"]:
        rows = [row for row in rows if row.status == values["status"]]
    if values["staged"] == STAGED_NONE:
        rows = [row for row in rows if row.staged is None]
    elif values["staged"] != STAGED_ANY:
        rows = [row for row in rows if row.staged == values["staged"]]
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def decisions_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """One page (`PER_PAGE` rows) of the filtered applications, ranked; the counts and "Send N
    decisions" are the whole call's. A POST keeps the filter and page (the form posts to the
    page's own URL) and covers only the rows it names; a refused one shows those rows again
    with what was typed."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    filters = DecisionsFilterForm(request.GET or None, phases=decisions_phases(cohort=cohort))
    values = filters.values()
    index = decisions_index(cohort=cohort, phase=filters.chosen_phase())
    page = Paginator(_listed(index, values), PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode(values)
    status, form, applications = 200, None, []
    if request.method == "POST":
        applications = decisions_rows(cohort=cohort, pks=posted_pks(request.POST))
        form = DecisionsForm(request.POST, applications=applications)
        if form.is_valid() and _apply(request, form):
            messages.success(request, _("Staged decisions saved. Nothing has been emailed yet."))
            url = reverse("cohorts:decisions_stage", kwargs={"pk": cohort.pk})
            return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
        status = 400
    shown = form
    if form is None or not applications:
        # A GET, or a refused POST that named no row (not one the page makes): the page's rows.
        applications = decisions_rows(cohort=cohort, pks=[row.pk for row in page.object_list])
        shown = DecisionsForm(applications=applications)
        form = shown if form is None else form
    ranks = {row.pk: row.rank for row in index}
    selected = {str(value) for value in (form["selected"].value() or [])}
    rows = [
        {
            "application": application,
            "rank": ranks.get(application.pk),
            "pending": application.pending_decision if has_pending(application) else None,
            "fields": shown.row(application),
            "selected": str(application.pk) in selected,
        }
        for application in applications
    ]
    staged = pending_counts(cohort=cohort)
    return render(
        request,
        "cohorts/decisions_stage.html",
        {
            "cohort": cohort,
            "form": form,
            "filters": filters,
            "values": values,
            "query": query,
            "page": page,
            "filter_fields": [(field.name, field.label, field.field.choices, values[field.name]) for field in filters],
            "filtered": values != {"phase": ALL_PHASES, "status": "", "staged": STAGED_ANY},
            "rows": rows,
            "status_choices": decision_choices(_("Not staged")),
            "note_max": DECISION_NOTE_MAX,
            "position_max": WAITLIST_POSITION_MAX,
            "counts": _counts(staged),
            "staged_total": sum(staged.values()),
        },
        status=status,
    )


@login_required
def decisions_preview(request: HttpRequest, pk: int, application_pk: int) -> HttpResponse:
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    pending = pending_get_for_cohort(cohort=cohort, application_pk=application_pk)
    access_log_record(request=request, action=AccessAction.VIEW, target=pending.application, detail="decision preview")
    return render(
        request,
        "cohorts/decisions_preview.html",
        {
            "cohort": cohort,
            "pending": pending,
            "application": pending.application,
            "email": decision_preview(pending=pending),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decisions_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    status = 200
    if request.method == "POST":
        form = SendForm(request.POST)
        if form.is_valid():
            try:
                summary = decisions_send(
                    cohort=cohort, by=request.user, expected_count=form.cleaned_data["expected_count"]
                )
            except StaleBatch as error:
                if error.staged == 0:
                    # A second click, a reload or another tab: the batch went out already.
                    messages.info(request, _("No decision is staged any more: this batch was already sent."))
                    return redirect("cohorts:decisions_stage", pk=cohort.pk)
                messages.error(request, " ".join(error.messages))
                status = 409
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                parts = [
                    f"{label}: {len(summary.changed.get(value, []))}"
                    for value, label, _count in _counts({})
                    if summary.changed.get(value)
                ]
                message = ngettext(
                    "%(count)d decision sent (%(parts)s); %(count)d email is queued.",
                    "%(count)d decisions sent (%(parts)s); %(count)d emails are queued.",
                    summary.emailed,
                ) % {"count": summary.emailed, "parts": ", ".join(parts) or "–"}
                if summary.unchanged:
                    message += " " + ngettext(
                        "%(count)d application already had its decision; nothing was sent to it.",
                        "%(count)d applications already had their decision; nothing was sent to them.",
                        len(summary.unchanged),
                    ) % {"count": len(summary.unchanged)}
                messages.success(request, message)
                return redirect("cohorts:decisions_stage", pk=cohort.pk)
        else:
            status = 400
    counts = pending_counts(cohort=cohort)
    total = sum(counts.values())
    return render(
        request,
        "cohorts/decisions_send.html",
        {
            "cohort": cohort,
            "counts": _counts(counts),
            "total": total,
            "form": SendForm(initial={"expected_count": total}),
        },
        status=status,
    )


urlpatterns = [
    path("staff/cohorts/<id:pk>/decisions/", decisions_stage, name="decisions_stage"),
    path("staff/cohorts/<id:pk>/decisions/send/", decisions_send_view, name="decisions_send"),
    path(
        "staff/cohorts/<id:pk>/decisions/<id:application_pk>/preview/",
        decisions_preview,
        name="decisions_preview",
    ),
]
