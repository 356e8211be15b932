"""Reads of a call's selection phases, and of the rubric that applies to a review.

The rubric of a review is the criteria of its phase; a review without a phase (a cohort that
selects without phases) is scored against the criteria that have no phase. The functions take
what a selector already prefetched (`cohort.criteria`) so the pages add no query.
"""

from __future__ import annotations

from cohorts.models import Cohort, Criterion, Phase, ReviewAssignment


def phases_of(*, cohort: Cohort) -> list[Phase]:
    """The cohort's phases in order (with who lifted a blind)."""
    return list(Phase.objects.filter(cohort=cohort).select_related("blind_lifted_by").order_by("order", "pk"))


def phase_first(*, cohort: Cohort) -> Phase | None:
    """The phase a newly handed-in application enters, or None for a cohort without phases."""
    return Phase.objects.filter(cohort_id=cohort.pk).order_by("order", "pk").first()


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
