"""Reads of automatic reviewer assignment: the phase and the conflicted review a staff member
may manage (404 otherwise), a phase's current proposal, and a reviewer's own expertise."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from cohorts.access import program_ids_for_staff
from cohorts.enums import ProposalStatus, ReviewState
from cohorts.models import Organisation, Phase, ReviewAssignment, ReviewerExpertise, ReviewProposal


def _staff_scope(queryset: QuerySet, user, path: str) -> QuerySet:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return queryset.none()
    program_ids = program_ids_for_staff(user=user)
    return queryset if program_ids is None else queryset.filter(**{f"{path}__in": program_ids})


def phase_get_for_staff(*, user, pk: int) -> Phase:
    """A phase of a program the staff member runs; 404 for anyone else."""
    try:
        return _staff_scope(Phase.objects.select_related("cohort__program"), user, "cohort__program").get(pk=pk)
    except (Phase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such phase.")


def conflicted_review_get_for_staff(*, user, pk: int) -> ReviewAssignment:
    """A review in conflict, of a program the staff member runs; 404 otherwise."""
    queryset = ReviewAssignment.objects.select_related(
        "application__cohort__program", "application__applicant", "phase", "reviewer"
    ).filter(state=ReviewState.CONFLICT)
    try:
        return _staff_scope(queryset, user, "application__cohort__program").get(pk=pk)
    except (ReviewAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review.")


def proposal_current(*, phase: Phase) -> ReviewProposal | None:
    """The phase's latest proposal that is a draft or confirmed (discarded ones are history)."""
    return (
        ReviewProposal.objects.filter(phase=phase)
        .exclude(status=ProposalStatus.DISCARDED)
        .order_by("-created_at", "-pk")
        .first()
    )


def is_reviewer(*, user) -> bool:
    """Someone who reviews: in a phase's reviewers, or with a review."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        Phase.reviewers.through.objects.filter(user=user).exists()
        or ReviewAssignment.objects.filter(reviewer=user).exists()
    )


def expertise_for(*, user) -> ReviewerExpertise | None:
    return ReviewerExpertise.objects.filter(user=user).select_related("organisation").first()


def expertise_organisations(*, user) -> QuerySet[Organisation]:
    """The organisations a reviewer may name as theirs: those they created, applied with or
    take part with (never the whole list: organisation names are applicants' data)."""
    return (
        Organisation.objects.filter(Q(created_by=user) | Q(applications__applicant=user) | Q(participant__user=user))
        .distinct()
        .order_by("name")
    )
