"""Reads for staged decisions and the waiting list: the staff page's rows, the counts the
confirmation shows, one application for the email preview, and who moves up next."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet
from django.http import Http404

from cohorts.enums import ApplicationStatus
from cohorts.models import Application, Cohort, PendingDecision
from cohorts.selectors.reviews import applications_ranked, with_scores


def decisions_rows(*, cohort: Cohort) -> QuerySet[Application]:
    """The cohort's handed-in applications, ranked (see `applications_ranked`), each with its
    staged decision and waiting-list place: one query for any number of rows."""
    return applications_ranked(cohort=cohort).select_related("pending_decision", "waitlist_spot")


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
