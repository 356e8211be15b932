"""Reads for reviewing and ranking applications.

Scores are normalised per criterion to 0..1 ((score - lowest) / (highest - lowest)), weighted
by the criterion's weight and scaled to 0..100, all in SQL:

- a review's score is sum(weight * normalised) / sum(weight) * 100 over its scores;
- an application's weighted score is the same sum over every score of its completed reviews,
  which is the mean of its reviewers' scores when each reviewer scored every criterion (the
  scoring service insists on that);
- the spread is the highest minus the lowest review score (None below two completed
  reviews); a large spread is flagged for discussion;
- beside it, `reviews_normalised` moves each reviewer to the cohort's common scale (harsh and
  lenient reviewers evened out), so staff can rank by either.
"""

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Rank
from django.http import Http404

from cohorts.access import program_ids_for_staff, staff_of_programs
from cohorts.enums import SUBMITTED_STATUSES, ApplicationStatus, ReviewState
from cohorts.models import Answer, Application, Cohort, Criterion, ReviewAssignment, Score
from cohorts.selectors.blind import reviews_blind_annotation

# Points on the 0-100 scale between the highest and lowest review that call for a discussion.
DISAGREEMENT_THRESHOLD = 25.0

# A reviewer no longer sees an application its applicant took back (or never handed in).
HIDDEN_FROM_REVIEWERS = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)


def _float(name: str) -> Cast:
    return Cast(F(name), output_field=FloatField())


def _weighted_score(scores: QuerySet[Score], group_by: str) -> Subquery:
    """sum(weight * normalised score) / sum(weight) * 100 over `scores`, as one subquery."""
    weight = _float("criterion__weight")
    normalised = (_float("score") - _float("criterion__min_score")) / (
        _float("criterion__max_score") - _float("criterion__min_score")
    )
    value = (
        Sum(weight * normalised, output_field=FloatField())
        * Value(100.0)
        / NullIf(Sum(weight, output_field=FloatField()), Value(0.0))
    )
    return Subquery(
        scores.order_by().values(group_by).annotate(value=value).values("value")[:1],
        output_field=FloatField(),
    )


def review_score_expression(review_ref: str = "pk") -> Subquery:
    """One review's weighted score (0-100), for a query whose `review_ref` is the review's pk."""
    return _weighted_score(Score.objects.filter(review=OuterRef(review_ref)), "review")


class _AllPhases:
    """The default of the phase arguments below: count reviews of every phase."""

    def __repr__(self) -> str:
        return "ALL_PHASES"


ALL_PHASES = _AllPhases()


def _phase_filter(phase, prefix: str = "") -> dict:
    """Filter kwargs for reviews of `phase` (a Phase, its id, None for "no phase", or ALL_PHASES)."""
    if phase is ALL_PHASES:
        return {}
    if phase is None:
        return {f"{prefix}phase__isnull": True}
    return {f"{prefix}phase_id": getattr(phase, "pk", phase)}


def _review_count(**filters) -> Coalesce:
    reviews = ReviewAssignment.objects.filter(application=OuterRef("pk"), **filters)
    count = reviews.order_by().values("application").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def application_score_annotations(phase=ALL_PHASES) -> dict:
    """Annotations for an Application queryset: reviews_assigned, reviews_completed,
    reviews_conflict, weighted_score (0-100 or None), score_max and score_min, over the
    reviews of `phase` (default: every phase)."""
    in_phase = _phase_filter(phase)
    completed = ReviewAssignment.objects.filter(
        application=OuterRef("pk"), state=ReviewState.COMPLETED, **in_phase
    ).annotate(review_score=review_score_expression())
    return {
        "reviews_assigned": _review_count(**in_phase),
        "reviews_completed": _review_count(state=ReviewState.COMPLETED, **in_phase),
        "reviews_conflict": _review_count(state=ReviewState.CONFLICT, **in_phase),
        "weighted_score": _weighted_score(
            Score.objects.filter(
                review__application=OuterRef("pk"),
                review__state=ReviewState.COMPLETED,
                **_phase_filter(phase, "review__"),
            ),
            "review__application",
        ),
        "score_max": Subquery(
            completed.order_by(F("review_score").desc(nulls_last=True)).values("review_score")[:1],
            output_field=FloatField(),
        ),
        "score_min": Subquery(
            completed.order_by(F("review_score").asc(nulls_last=True)).values("review_score")[:1],
            output_field=FloatField(),
        ),
    }


def with_scores(queryset: QuerySet[Application], phase=ALL_PHASES) -> QuerySet[Application]:
    """`queryset` annotated with the scoring and agreement figures (see the module doc) of the
    reviews of `phase` (default: every phase)."""
    return queryset.annotate(**application_score_annotations(phase)).annotate(
        score_spread=Case(
            When(reviews_completed__gte=2, then=F("score_max") - F("score_min")),
            default=None,
            output_field=FloatField(),
        ),
        needs_discussion=Case(
            When(reviews_completed__gte=2, score_spread__gte=DISAGREEMENT_THRESHOLD, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def applications_ranked(
    *, cohort: Cohort, criteria: Sequence[Criterion] = (), phase=ALL_PHASES
) -> QuerySet[Application]:
    """A cohort's handed-in applications, best weighted score first, with reviewer agreement,
    counting the reviews of `phase` (a Phase, None for reviews without a phase, default all).

    Each row carries the annotations of `with_scores` and `rank` (ties share a rank; rows
    without a completed review come last). For each criterion given, `criterion_<pk>` is the
    mean raw score of the completed reviews.
    """
    queryset = (
        Application.objects.filter(cohort=cohort, status__in=SUBMITTED_STATUSES)
        .select_related("applicant", "track", "organisation")
        .order_by()
    )
    queryset = with_scores(queryset, phase)
    per_criterion = {
        f"criterion_{criterion.pk}": Subquery(
            Score.objects.filter(
                review__application=OuterRef("pk"),
                review__state=ReviewState.COMPLETED,
                criterion=criterion,
                **_phase_filter(phase, "review__"),
            )
            .order_by()
            .values("criterion")
            .annotate(mean=Avg(_float("score")))
            .values("mean")[:1],
            output_field=FloatField(),
        )
        for criterion in criteria
    }
    return queryset.annotate(
        **per_criterion,
        rank=Window(expression=Rank(), order_by=F("weighted_score").desc(nulls_last=True)),
    ).order_by(F("weighted_score").desc(nulls_last=True), "-reviews_completed", "submitted_at", "pk")


def reviews_for_reviewer(*, reviewer) -> QuerySet[ReviewAssignment]:
    """The reviewer's own assignments, those still to do first, soonest deadline first; each
    with `blind` (whether the reviewer sees its application blind, `cohorts.selectors.blind`)."""
    if not reviewer.is_authenticated:
        return ReviewAssignment.objects.none()
    return (
        ReviewAssignment.objects.filter(reviewer=reviewer)
        .exclude(application__status__in=HIDDEN_FROM_REVIEWERS)
        .select_related(
            "phase",
            "application__cohort__program",
            "application__track",
            "application__organisation",
            "application__applicant",
        )
        .annotate(
            pending_first=Case(When(state=ReviewState.PENDING, then=Value(0)), default=Value(1)),
            review_score=review_score_expression(),
            blind=reviews_blind_annotation(),
        )
        .order_by("pending_first", "application__cohort__applications_close_at", "application__pk")
    )


def review_get_for_reviewer(*, reviewer, pk: int) -> ReviewAssignment:
    """One of the reviewer's own assignments, with what the scoring page needs; 404 otherwise."""
    answers = Answer.objects.select_related("question").order_by("question__order", "question__pk")
    try:
        return (
            reviews_for_reviewer(reviewer=reviewer)
            .prefetch_related(
                "scores",
                Prefetch("application__cohort__criteria", queryset=Criterion.objects.order_by("order", "pk")),
                Prefetch("application__answers", queryset=answers),
            )
            .get(pk=pk)
        )
    except (ReviewAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review.")


def cohorts_for_staff(*, user) -> QuerySet[Cohort]:
    """Cohorts of the programs a staff member runs (all for superusers)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return Cohort.objects.none()
    program_ids = program_ids_for_staff(user=user)
    queryset = Cohort.objects.select_related("program")
    if program_ids is None:
        return queryset
    return queryset.filter(program_id__in=program_ids)


def cohort_get_for_staff(*, user, pk: int) -> Cohort:
    """A cohort of a program the staff member runs; 404 for anyone else."""
    try:
        return cohorts_for_staff(user=user).get(pk=pk)
    except (Cohort.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cohort.")


def application_status_counts(queryset: QuerySet[Application]) -> dict[str, int]:
    """{status: count} for `queryset`, in one query."""
    rows = queryset.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    return dict(rows)


def reviewer_candidates(*, program_ids: Sequence[int]):
    """People who already review or run applications of these programs: the first choices
    when staff assign reviewers (others are added by email address)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return (
        user_model.objects.filter(is_active=True)
        .filter(Q(reviews__application__cohort__program__in=program_ids) | staff_of_programs(program_ids=program_ids))
        .distinct()
        .order_by("full_name", "email")
    )


@dataclass(frozen=True)
class FairScore:
    """An application's score with each reviewer moved to the common scale (0-100)."""

    normalised: float
    normalised_spread: float | None  # highest minus lowest normalised review; None below two


def reviews_normalised(*, cohort: Cohort, phase=ALL_PHASES) -> dict[int, FairScore]:
    """Per application id, its mean review score after moving each reviewer to the cohort's scale.

    A harsh or lenient reviewer is taken out by a z-score per reviewer mapped back to the rubric
    scale: a review's score s (0-100, as in `review_score_expression`) by reviewer r becomes
    mean + sd * (s - mean_r) / sd_r, where mean and sd are over every completed review of the
    cohort and mean_r, sd_r over reviewer r's. A reviewer who gave every application the same
    score is only shifted (s - mean_r + mean); one with a single review is kept as scored
    (nothing to compare against). Results are
    clipped to 0..100. One query, whatever the number of reviews (the rest is arithmetic)."""
    rows = list(
        ReviewAssignment.objects.filter(
            application__cohort=cohort,
            application__status__in=SUBMITTED_STATUSES,
            state=ReviewState.COMPLETED,
            **_phase_filter(phase),
        )
        .annotate(review_score=review_score_expression())
        .exclude(review_score=None)
        .order_by()
        .values_list("application_id", "reviewer_id", "review_score")
    )
    if not rows:
        return {}
    scores = [score for _application, _reviewer, score in rows]
    mean, sd = statistics.fmean(scores), statistics.pstdev(scores)
    by_reviewer: dict[int, list[float]] = defaultdict(list)
    for _application, reviewer, score in rows:
        by_reviewer[reviewer].append(score)
    scale = {}
    for reviewer, given in by_reviewer.items():
        reviewer_mean, reviewer_sd = statistics.fmean(given), statistics.pstdev(given)
        if len(given) < 2:
            scale[reviewer] = (0.0, 1.0, 0.0)  # kept as scored
        elif reviewer_sd == 0:
            scale[reviewer] = (reviewer_mean, 1.0, mean)  # shifted only
        else:
            scale[reviewer] = (reviewer_mean, sd / reviewer_sd, mean)
    per_application: dict[int, list[float]] = defaultdict(list)
    for application, reviewer, score in rows:
        centre, factor, target = scale[reviewer]
        per_application[application].append(min(100.0, max(0.0, target + factor * (score - centre))))
    return {
        application: FairScore(
            normalised=statistics.fmean(values),
            normalised_spread=(max(values) - min(values)) if len(values) >= 2 else None,
        )
        for application, values in per_application.items()
    }
