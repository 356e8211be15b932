"""Reads for the staff page of deadline extensions (scoped by the caller's cohort selector)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cohorts.models import Application, Cohort, DeadlineExtension

CANDIDATES_SHOWN = 20


def extensions_for_cohort(*, cohort: Cohort) -> QuerySet[DeadlineExtension]:
    """The call's extensions and late-entry links, newest first, with the people they name: one query."""
    return (
        DeadlineExtension.objects.filter(cohort=cohort)
        .select_related("person", "granted_by", "revoked_by")
        .order_by("-granted_at", "-pk")
    )


def extension_get_for_cohort(*, cohort: Cohort, pk) -> DeadlineExtension | None:
    """One extension of this call (None for another call's or a malformed id)."""
    try:
        return DeadlineExtension.objects.select_related("cohort").filter(cohort=cohort, pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def extension_candidates(*, cohort: Cohort, query: str) -> list[Application]:
    """The call's applicants whose email address or name contains `query` (at most 20)."""
    if not query:
        return []
    return list(
        Application.objects.filter(cohort=cohort)
        .filter(Q(applicant__email__icontains=query) | Q(applicant__full_name__icontains=query))
        .select_related("applicant")
        .order_by("applicant__email")[:CANDIDATES_SHOWN]
    )


def applicant_for_cohort_by_email(*, cohort: Cohort, email: str):
    """The person with this email address who has an application to the call, or None."""
    application = (
        Application.objects.filter(cohort=cohort, applicant__email__iexact=(email or "").strip())
        .select_related("applicant")
        .first()
    )
    return application.applicant if application is not None else None
