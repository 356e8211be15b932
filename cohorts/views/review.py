"""Review pages: a reviewer's assignments, the scoring page, and staff's ranked results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cohorts.access import parse_id
from cohorts.enums import ApplicationStatus, Language, Need, ReviewState, Sector
from cohorts.models import Application
from cohorts.review_forms import ConflictForm, ReviewScoreForm
from cohorts.selectors.assignment import is_reviewer
from cohorts.selectors.blind import (
    IDENTIFYING_APPLICATION_FIELDS,
    IDENTIFYING_ORGANISATION_FIELDS,
    application_label,
    question_hidden_when_blind,
    review_is_blind,
    review_label,
)
from cohorts.selectors.files import answer_download_name
from cohorts.selectors.phases import RANK_NORMALISED, RANK_RAW, criteria_for_phase, ranking_phase, review_criteria
from cohorts.selectors.reviews import (
    DISAGREEMENT_THRESHOLD,
    application_status_counts,
    applications_ranked,
    cohort_get_for_staff,
    review_get_for_reviewer,
    reviews_for_reviewer,
    reviews_normalised,
)
from cohorts.services.reviews import REVIEWABLE_STATUSES, review_declare_conflict, review_submit_scores
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.forms import add_service_errors
from incubator.geo import province_name
from incubator.storage import download_response


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    reviews = list(reviews_for_reviewer(reviewer=request.user))
    # Waiting for scores: pending and still open to review (not once staff decided it). The
    # list's badges say the same as the heading: a decided application is not "pending".
    for review in reviews:
        review.waiting = review.state == ReviewState.PENDING and review.application.status in REVIEWABLE_STATUSES
        review.label = review_label(review)
    pending = sum(1 for review in reviews if review.waiting)
    can_set_expertise = bool(reviews) or is_reviewer(user=request.user)
    return render(
        request,
        "cohorts/review_list.html",
        {"reviews": reviews, "pending_count": pending, "can_set_expertise": can_set_expertise},
    )


def _labels(values, choices) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(value, value)) for value in values or [])


def _application_details(application: Application, *, blind: bool) -> list[tuple[str, str]]:
    """(label, text) for every answered standard field, in the order a reviewer reads them;
    without the identifying ones when the reviewer sees the application blind."""
    fields = Application._meta
    rows = [
        (fields.get_field(name).verbose_name, getattr(application, name))
        for name in (
            "idea_title",
            "team_name",
            "team_size",
            "idea_summary",
            "employer",
            "job_title",
            "skills",
            "availability_days_per_month",
            "motivation",
            "expectations",
        )
        if not (blind and name in IDENTIFYING_APPLICATION_FIELDS)
    ]
    rows += [
        (fields.get_field("sectors").verbose_name, _labels(application.sectors, Sector.choices)),
        (
            fields.get_field("travel_provinces").verbose_name,
            ", ".join(province_name(code) for code in application.travel_provinces or []),
        ),
        (fields.get_field("languages").verbose_name, _labels(application.languages, Language.choices)),
    ]
    return [(label, value) for label, value in rows if value not in (None, "", [])]


def _organisation_details(application: Application, *, blind: bool) -> list[tuple[str, str]]:
    organisation = application.organisation
    if organisation is None:
        return []
    fields = organisation._meta
    rows = [
        ("name", organisation.name),
        ("kind", organisation.get_kind_display()),
        ("province", province_name(organisation.province)),
        ("size", organisation.get_size_display()),
        ("needs", _labels(organisation.needs, Need.choices)),
        ("focus_areas", _labels(organisation.focus_areas, Sector.choices)),
        ("website", organisation.website),
        ("description", organisation.description),
    ]
    return [
        (fields.get_field(name).verbose_name, value)
        for name, value in rows
        if value and not (blind and name in IDENTIFYING_ORGANISATION_FIELDS)
    ]


def _answer_rows(application: Application, *, blind: bool) -> list[dict]:
    """The answers to the cohort's questions; when blind, identifying answers are withheld
    (the question is listed as withheld), hidden files left out and file names neutral."""
    rows = []
    for answer in application.answers.all():
        if blind and answer.question.hidden_from_blind and not answer.question.identifying:
            continue
        if blind and answer.question.identifying:
            rows.append({"question": answer.question, "text": "", "has_file": False, "withheld": True})
            continue
        value = answer.value
        if blind and answer.file:
            text = answer_download_name(answer, blind=True)
        elif isinstance(value, bool):
            text = _("Yes") if value else _("No")
        elif isinstance(value, list):
            text = ", ".join(str(item) for item in value)
        else:
            text = "" if value is None else str(value)
        rows.append({"question": answer.question, "text": text, "has_file": bool(answer.file), "withheld": False})
    return rows


def _detail_context(request, review, form=None, conflict_form=None) -> dict:
    application = review.application
    criteria = review_criteria(review)
    is_open = review.state != ReviewState.CONFLICT and application.status in REVIEWABLE_STATUSES and bool(criteria)
    if is_open and form is None:
        form = ReviewScoreForm(review=review, criteria=criteria)
    if review.state != ReviewState.CONFLICT and conflict_form is None:
        conflict_form = ConflictForm(action=reverse("cohorts:review_conflict", kwargs={"pk": review.pk}))
    scores = {score.criterion_id: score for score in review.scores.all()}
    blind = review_is_blind(review)
    return {
        "review": review,
        "application": application,
        "blind": blind,
        "label": application_label(application=application, blind=blind),
        "criteria": criteria,
        "scored": [(criterion, scores.get(criterion.pk)) for criterion in criteria],
        "form": form if is_open else None,
        "conflict_form": conflict_form,
        "show_content": review.state != ReviewState.CONFLICT,
        "details": _application_details(application, blind=blind) if review.state != ReviewState.CONFLICT else [],
        "organisation_details": (
            _organisation_details(application, blind=blind) if review.state != ReviewState.CONFLICT else []
        ),
        "answers": _answer_rows(application, blind=blind) if review.state != ReviewState.CONFLICT else [],
    }


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = review_get_for_reviewer(reviewer=request.user, pk=pk)
    context = _detail_context(request, review)
    if request.method == "POST" and context["form"] is None:
        messages.error(request, _("This review is closed; nothing was saved."))
        return redirect("cohorts:review_detail", pk=review.pk)
    if request.method == "POST":
        form = ReviewScoreForm(request.POST, review=review, criteria=context["criteria"])
        if form.is_valid():
            try:
                review_submit_scores(
                    review=review,
                    by=request.user,
                    scores=form.scores(),
                    comments=form.comments(),
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Thank you. Your review of %(name)s is saved.") % {"name": review_label(review)}
                )
                return redirect("cohorts:review_list")
        context = _detail_context(request, review, form=form)
        return render(request, "cohorts/review_detail.html", context, status=400)
    access_log_record(request=request, action=AccessAction.VIEW, target=review.application, detail="review")
    return render(request, "cohorts/review_detail.html", context)


@login_required
@require_POST
def review_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    review = review_get_for_reviewer(reviewer=request.user, pk=pk)
    conflict_form = ConflictForm(request.POST, action=reverse("cohorts:review_conflict", kwargs={"pk": review.pk}))
    if conflict_form.is_valid():
        try:
            review_declare_conflict(
                review=review, reason=conflict_form.cleaned_data["conflict_reason"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(conflict_form, error)
        else:
            messages.info(
                request,
                _("Conflict of interest recorded. %(name)s is no longer shown to you.")
                % {"name": review_label(review)},
            )
            return redirect("cohorts:review_list")
    context = _detail_context(request, review, conflict_form=conflict_form)
    return render(request, "cohorts/review_detail.html", context, status=400)


@require_GET
def review_file(request: HttpRequest, pk: int, question_id: int) -> FileResponse:
    """A file attached to an assigned application, for its reviewer (not after a conflict).
    A blind reviewer gets it under a neutral name, and a 404 for a hidden or identifying one."""
    review = review_get_for_reviewer(reviewer=request.user, pk=pk)
    if review.state == ReviewState.CONFLICT:
        raise Http404("No such file.")
    answer = next(
        (a for a in review.application.answers.all() if a.question_id == question_id and a.file),
        None,
    )
    blind = review_is_blind(review)
    if answer is None or (blind and question_hidden_when_blind(answer.question)):
        raise Http404("No such file.")
    name = answer_download_name(answer, blind=blind)
    access_log_record(request=request, action=AccessAction.DOWNLOAD, target=answer, detail=name)
    return download_response(answer.file, filename=name)


RANKING_PER_PAGE = 100  # rows of the ranking drawn at a time


def _rank_by_normalised(rows: list[dict]) -> None:
    """Order `rows` by the normalised score (rows without one last, stable otherwise) and give
    each its rank there; ties (to 0.05 points, as shown) share a rank."""
    rows.sort(key=lambda row: (row["fair"] is None, -round(row["fair"].normalised, 1) if row["fair"] else 0.0))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row["fair"] is None:
            row["rank"] = None
            continue
        shown = round(row["fair"].normalised, 1)
        if shown != previous:
            rank, previous = position, shown
        row["rank"] = rank


@login_required
def cohort_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff only: a cohort's applications ranked by weighted score, with reviewer agreement.

    In a call with phases, one phase's ranking (`?phase=<id>`; by default the latest phase that
    has reviews): its rubric, its reviews, and the applications that reached it."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    phases, phase = ranking_phase(cohort=cohort, phase_id=parse_id(request.GET.get("phase")))
    if phase is None:
        criteria = list(cohort.criteria.all())
        ranked = applications_ranked(cohort=cohort, criteria=criteria)
        fair = reviews_normalised(cohort=cohort)
    else:
        criteria = criteria_for_phase(cohort=cohort, phase_id=phase.pk)
        ranked = applications_ranked(cohort=cohort, criteria=criteria, phase=phase).filter(
            phase__order__gte=phase.order
        )
        fair = reviews_normalised(cohort=cohort, phase=phase)
    applications = list(ranked)
    rank_by = RANK_NORMALISED if request.GET.get("rank") == RANK_NORMALISED else RANK_RAW
    rows = [
        {
            "application": application,
            "fair": fair.get(application.pk),
            "rank": application.rank if application.weighted_score is not None else None,
            "criterion_means": [getattr(application, f"criterion_{criterion.pk}") for criterion in criteria],
        }
        for application in applications
    ]
    if rank_by == RANK_NORMALISED:
        _rank_by_normalised(rows)
    # Ranked over the whole phase, shown a page at a time: 5,000 rows took 2.6 s to draw.
    page = Paginator(rows, RANKING_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({"phase": phase.pk, "rank": rank_by} if phase is not None else {"rank": rank_by})
    counts = application_status_counts(cohort.applications.all())
    return render(
        request,
        "cohorts/cohort_ranking.html",
        {
            "cohort": cohort,
            "phases": phases,
            "phase": phase,
            "criteria": criteria,
            "rows": page.object_list,
            "page": page,
            "query": query,
            "threshold": DISAGREEMENT_THRESHOLD,
            "rank_by": rank_by,
            "rank_choices": [(RANK_RAW, _("Raw mean")), (RANK_NORMALISED, _("Normalised per reviewer"))],
            "status_counts": [
                (label, counts.get(value, 0)) for value, label in ApplicationStatus.choices if counts.get(value)
            ],
            "admin_changelist_url": reverse("admin:cohorts_application_changelist") + f"?cohort={cohort.pk}",
            "blind_phases": [item for item in phases if item.is_blind],
        },
    )


urlpatterns = [
    path("review/", review_list, name="review_list"),
    path("review/<id:pk>/", review_detail, name="review_detail"),
    path("review/<id:pk>/conflict/", review_conflict, name="review_conflict"),
    path("review/<id:pk>/files/<id:question_id>/", review_file, name="review_file"),
    path("staff/cohorts/<id:pk>/ranking/", cohort_ranking, name="cohort_ranking"),
]
