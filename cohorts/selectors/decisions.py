"""Reads for staged decisions and the waiting list: the staff page's rows, the counts the
confirmation shows, one application for the email preview, and who moves up next.

The staff page lists one page of rows at a time: `decisions_index` ranks the applications of
the chosen phase as light tuples (the page filters and paginates those, so a row keeps its rank
whatever the status or staged-decision filter), then `decisions_rows` loads the page's rows
in full. Both are one query each, at any size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from cohorts.enums import SUBMITTED_STATUSES, ApplicationStatus
from cohorts.models import Application, Cohort, PendingDecision, Phase
from cohorts.selectors.reviews import applications_ranked, with_scores


class DecisionIndexRow(NamedTuple):
    pk: int
    rank: int | None  # None: no completed review yet
    status: str
    staged: str | None  # the staged decision, None when nothing is staged


def decisions_phases(*, cohort: Cohort) -> list[Phase]:
    """The call's phases in order, each with `handed_in`: how many handed-in applications stand
    in it. One query."""
    return list(
        Phase.objects.filter(cohort=cohort)
        .annotate(handed_in=Count("applications", filter=Q(applications__status__in=SUBMITTED_STATUSES)))
        .order_by("order", "pk")
    )


def decisions_index(*, cohort: Cohort, phase: Phase | None) -> list[DecisionIndexRow]:
    """Every handed-in application standing in `phase` (None: all of the call's), ranked as
    `applications_ranked` ranks them (among those of `phase`), as light tuples (pk, rank,
    status, staged decision or None) for the page to filter and paginate: one query, and no
    model rows, so that the page loads only its own rows in full (`decisions_rows`)."""
    ranked = applications_ranked(cohort=cohort)
    if phase is not None:
        ranked = ranked.filter(phase=phase)
    return [
        DecisionIndexRow(pk, rank if score is not None else None, status, staged)
        for pk, rank, score, status, staged in ranked.values_list(
            "pk", "rank", "weighted_score", "status", "pending_decision__status"
        )
    ]


def decisions_rows(*, cohort: Cohort, pks: Sequence[int]) -> list[Application]:
    """The handed-in applications of `cohort` among `pks`, in the order of `pks`, each with its
    scores (`with_scores`), staged decision and waiting-list place: one query for any number
    of rows (none when `pks` is empty)."""
    rows = (
        with_scores(Application.objects.filter(cohort=cohort, status__in=SUBMITTED_STATUSES, pk__in=list(pks)))
        .select_related("applicant", "track", "organisation", "pending_decision", "waitlist_spot")
        .order_by()
    )
    by_pk = {application.pk: application for application in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def pending_decisions(*, cohort: Cohort) -> QuerySet[PendingDecision]:
    """The cohort's staged decisions, in application order, with what their emails need."""
    return (
        PendingDecision.objects.filter(cohort=cohort)
        .select_related("application__cohort__program", "application__track", "application__applicant")
        .order_by("application_id")
    )


def pending_counts(*, cohort: Cohort) -> dict[str, int]:
    """{decision: how many staged} for the cohort, in one query."""
    rows = (
        PendingDecision.objects.filter(cohort=cohort)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return dict(rows)


def pending_get_for_cohort(*, cohort: Cohort, application_pk: int) -> PendingDecision:
    """The staged decision of one application of `cohort` (already scoped to the staff
    member); 404 for an application of another cohort or one without a staged decision."""
    try:
        return pending_decisions(cohort=cohort).get(application_id=application_pk)
    except (PendingDecision.DoesNotExist, ValueError, TypeError):
        raise Http404("No staged decision.")


def waitlist_ordered(*, cohort: Cohort) -> QuerySet[Application]:
    """The cohort's waitlisted applications in the order they move up: waiting-list position
    (those without one last), then best weighted score, then who handed in first."""
    return (
        with_scores(Application.objects.filter(cohort=cohort, status=ApplicationStatus.WAITLISTED))
        .select_related("applicant", "track", "cohort__program")
        .order_by(
            F("waitlist_spot__position").asc(nulls_last=True),
            F("weighted_score").desc(nulls_last=True),
            "submitted_at",
            "pk",
        )
    )
