"""Reads of a call's selection phases, and of the rubric that applies to a review.

The rubric of a review is the criteria of its phase; a review without a phase (a cohort that
selects without phases) is scored against the criteria that have no phase. The functions take
what a selector already prefetched (`cohort.criteria`) so the pages add no query.

Also what the selection pages read: who stands at or above a threshold in a phase
(`applications_above_threshold`, the preview that `cohorts.services.phases` applies), the
staff selection page's phases with their counts (`selection_overview`), the phase a ranking
shows (`ranking_phase`) and the applicant's step list (`application_phase_steps`). Each reads
a fixed number of queries, whatever the number of phases and applications.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, FloatField, OuterRef, Sum, Value
from django.db.models.functions import Cast, NullIf
from django.http import Http404

from cohorts.enums import SUBMITTED_STATUSES, ApplicationStatus, ReviewState
from cohorts.models import Application, Cohort, Criterion, Phase, ReviewAssignment, Score
from cohorts.selectors.reviews import applications_ranked, reviews_normalised

# Statuses in which an application can still move on to a later phase: handed in and not
# finally decided (the statuses staff may decide on).
MOVABLE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
)


def phases_of(*, cohort: Cohort) -> list[Phase]:
    """The cohort's phases in order (with who lifted a blind)."""
    return list(Phase.objects.filter(cohort=cohort).select_related("blind_lifted_by").order_by("order", "pk"))


def phase_first(*, cohort: Cohort) -> Phase | None:
    """The phase a newly handed-in application enters, or None for a cohort without phases."""
    return Phase.objects.filter(cohort_id=cohort.pk).order_by("order", "pk").first()


def phase_of_cohort(*, cohort: Cohort, pk: int) -> Phase:
    """One phase of `cohort` (a cohort the caller already scoped to the user); 404 otherwise."""
    phase = Phase.objects.filter(cohort=cohort, pk=pk).select_related("cohort__program").first()
    if phase is None:
        raise Http404("No such phase.")
    return phase


def phase_next(*, phase: Phase) -> Phase | None:
    return Phase.objects.filter(cohort_id=phase.cohort_id, order__gt=phase.order).order_by("order", "pk").first()


def criteria_for_phase(*, cohort: Cohort, phase_id: int | None) -> list[Criterion]:
    """The rubric of `phase_id` (None: the criteria without a phase), in order. Uses the
    prefetched `cohort.criteria` when there is one."""
    return sorted(
        (criterion for criterion in cohort.criteria.all() if criterion.phase_id == phase_id),
        key=lambda criterion: (criterion.order, criterion.pk),
    )


def review_criteria(review: ReviewAssignment) -> list[Criterion]:
    """The rubric `review` is scored against."""
    return criteria_for_phase(cohort=review.application.cohort, phase_id=review.phase_id)


# --- Thresholds: who would move on ---------------------------------------------------------

RANK_RAW = "raw"
RANK_NORMALISED = "normalised"
RANK_CHOICES = (RANK_RAW, RANK_NORMALISED)


@dataclass(frozen=True)
class ThresholdRow:
    application: Application
    score: float


@dataclass(frozen=True)
class ThresholdPreview:
    phase: Phase
    threshold: float
    rank_by: str
    rows: list[ThresholdRow]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[int]:
        return [row.application.pk for row in self.rows]


def shown_score(value: float) -> float:
    """A score as the pages show it (one decimal): a threshold compares against what staff read."""
    return round(value, 1)


def applications_above_threshold(*, phase: Phase, threshold: float, rank_by: str = RANK_RAW) -> ThresholdPreview:
    """The applications standing in `phase` (and still open to a decision) whose score in that
    phase is at or above `threshold` (0-100), best first: the raw weighted mean of the phase's
    completed reviews (`applications_ranked(..., phase=phase)`) or, with `rank_by="normalised"`,
    the score normalised per reviewer (`reviews_normalised(..., phase=phase)`). Applications
    without a completed review in the phase have no score and never pass. The score is compared
    as shown (one decimal). Two queries, whatever the number of applications."""
    cohort = phase.cohort
    ranked = applications_ranked(cohort=cohort, phase=phase).filter(phase=phase, status__in=MOVABLE_STATUSES)
    rows = []
    if rank_by == RANK_NORMALISED:
        fair = reviews_normalised(cohort=cohort, phase=phase)
        for application in ranked:
            score = fair.get(application.pk)
            if score is not None and shown_score(score.normalised) >= threshold:
                rows.append(ThresholdRow(application=application, score=score.normalised))
        rows.sort(key=lambda row: (-row.score, row.application.pk))
    else:
        for application in ranked:
            if application.weighted_score is not None and shown_score(application.weighted_score) >= threshold:
                rows.append(ThresholdRow(application=application, score=application.weighted_score))
    return ThresholdPreview(phase=phase, threshold=threshold, rank_by=rank_by, rows=rows)


# --- The staff selection page ---------------------------------------------------------------


@dataclass
class PhaseStanding:
    """One phase on the staff selection page: where it stands."""

    phase: Phase | None  # None: handed in before the call had phases
    next_phase: Phase | None
    handed_in: int = 0  # applications standing in the phase (decided ones included)
    reviews_done: int = 0
    reviews_pending: int = 0
    reviews_conflict: int = 0
    movable: list[Application] = field(default_factory=list)  # open to a move, for the checkboxes


def selection_overview(*, cohort: Cohort) -> list[PhaseStanding]:
    """The call's phases in order with how many applications stand in each, the reviews done
    and pending per phase, and the applications that can move on (name order). A first row
    without a phase holds applications handed in before the call had phases, if any. Four
    queries, whatever the number of phases and applications."""
    phases = phases_of(cohort=cohort)
    nexts = dict(zip([phase.pk for phase in phases], [*phases[1:], None], strict=True))
    standings = {phase.pk: PhaseStanding(phase=phase, next_phase=nexts[phase.pk]) for phase in phases}
    unphased = PhaseStanding(phase=None, next_phase=phases[0] if phases else None)
    counts = (
        Application.objects.filter(cohort=cohort, status__in=SUBMITTED_STATUSES)
        .order_by()
        .values("phase")
        .annotate(n=Count("pk"))
        .values_list("phase", "n")
    )
    for phase_id, count in counts:
        standings.get(phase_id, unphased).handed_in = count
    reviews = (
        ReviewAssignment.objects.filter(application__cohort=cohort, phase__isnull=False)
        .exclude(application__status__in=(ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN))
        .order_by()
        .values("phase", "state")
        .annotate(n=Count("pk"))
        .values_list("phase", "state", "n")
    )
    attribute = {
        ReviewState.COMPLETED: "reviews_done",
        ReviewState.PENDING: "reviews_pending",
        ReviewState.CONFLICT: "reviews_conflict",
    }
    for phase_id, state, count in reviews:
        if phase_id in standings:
            setattr(standings[phase_id], attribute[state], count)
    movable = (
        Application.objects.filter(cohort=cohort, status__in=MOVABLE_STATUSES)
        .select_related("applicant", "organisation", "track")
        .order_by("applicant__full_name", "pk")
    )
    for application in movable:
        standings.get(application.phase_id, unphased).movable.append(application)
    rows = list(standings.values())
    if unphased.handed_in and phases:
        rows.insert(0, unphased)
    return rows


def ranking_phase(*, cohort: Cohort, phase_id: int | None) -> tuple[list[Phase], Phase | None]:
    """The call's phases (each with `has_reviews`) and the one a ranking shows: `phase_id` if it
    is one of them, otherwise the latest phase that has reviews (the first if none has). None
    for a call without phases. One query."""
    phases = list(
        Phase.objects.filter(cohort=cohort)
        .select_related("blind_lifted_by")
        .annotate(has_reviews=Exists(ReviewAssignment.objects.filter(phase=OuterRef("pk"))))
        .order_by("order", "pk")
    )
    if not phases:
        return phases, None
    chosen = next((phase for phase in phases if phase.pk == phase_id), None)
    if chosen is None:
        chosen = next((phase for phase in reversed(phases) if phase.has_reviews), phases[0])
    return phases, chosen


# --- What the applicant sees ------------------------------------------------------------------

STEP_DONE = "done"
STEP_CURRENT = "current"
STEP_NEXT = "next"
STEP_LATER = "later"
# Statuses whose applicant sees the phase steps: handed in and not finally decided.
STEPS_SHOWN_FOR = MOVABLE_STATUSES


@dataclass(frozen=True)
class PhaseStep:
    phase: Phase
    state: str  # done, current, next (the one after the current) or later
    score: float | None  # the application's weighted score there, only if staff published it


def application_phase_steps(*, application: Application) -> list[PhaseStep]:
    """The call's phases as the applicant's step list: done, current (the phase the application
    stands in), next (the one after it), later. Empty for a call without phases and for applications not (or no longer)
    in selection (drafts, withdrawn, accepted, rejected: their status says it all). A phase's
    score (0-100) is given only where staff published that phase's scores and the phase is done
    or current. One query, two when a reached phase has published scores."""
    if application.status not in STEPS_SHOWN_FOR:
        return []
    phases = phases_of(cohort=application.cohort)
    if not phases:
        return []
    current = next((phase for phase in phases if phase.pk == application.phase_id), None)
    current_order = current.order if current is not None else None
    steps = []
    for phase in phases:
        if current_order is not None and phase.order < current_order:
            state = STEP_DONE
        elif phase.pk == application.phase_id:
            state = STEP_CURRENT
        elif any(step_state in (STEP_NEXT, STEP_LATER) for _phase, step_state in steps):
            state = STEP_LATER
        else:
            state = STEP_NEXT
        steps.append((phase, state))
    published = [phase.pk for phase, state in steps if state in (STEP_DONE, STEP_CURRENT) and phase.scores_published]
    scores = application_phase_scores(application=application, phase_ids=published) if published else {}
    return [PhaseStep(phase=phase, state=state, score=scores.get(phase.pk)) for phase, state in steps]


def application_phase_scores(*, application: Application, phase_ids) -> dict[int, float]:
    """{phase id: the application's weighted score (0-100) over its completed reviews there}."""
    weight = Cast(F("criterion__weight"), FloatField())
    low, high = Cast(F("criterion__min_score"), FloatField()), Cast(F("criterion__max_score"), FloatField())
    normalised = (Cast(F("score"), FloatField()) - low) / (high - low)
    rows = (
        Score.objects.filter(
            review__application=application, review__state=ReviewState.COMPLETED, review__phase_id__in=phase_ids
        )
        .order_by()
        .values("review__phase")
        .annotate(
            value=Sum(weight * normalised, output_field=FloatField())
            * Value(100.0)
            / NullIf(Sum(weight, output_field=FloatField()), Value(0.0))
        )
        .values_list("review__phase", "value")
    )
    return {phase_id: value for phase_id, value in rows if value is not None}
