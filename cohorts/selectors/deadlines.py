"""Until when may this person start, edit or submit an application to this call?

The one place that answers it. A call accepts applications while it is open
(`applications_open_at <= at < applications_close_at`, status open). A person with an active
`DeadlineExtension` for the call (granted by staff, or a late-entry link they opened) may go on
until their own `until`, to the second: at `until - 1s` they may submit, at `until` they may
not. Nobody else is affected. An extension keeps a call open for its person also after staff
closed the call (status closed), not before it opened and not for a call that is still a draft
or has moved on to running or completed.

Lists (the applicant's "My applications") annotate the applicant's `extended_until` in the same
query (`with_extended_until`) and pass it on, so a page of many applications stays one query.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from cohorts.enums import CohortStatus
from cohorts.models import Cohort, DeadlineExtension

# The call statuses in which an extension still lets its person in.
EXTENDABLE_STATUSES = (CohortStatus.OPEN, CohortStatus.CLOSED)

_LOOK_UP = object()


def extension_active_for(*, cohort: Cohort, user) -> DeadlineExtension | None:
    """The person's extension for this call that is not revoked (whether or not it ran out)."""
    if user is None or not user.is_authenticated:
        return None
    return DeadlineExtension.objects.filter(cohort=cohort, person=user, revoked_at__isnull=True).first()


def _extended_until(cohort: Cohort, user, extended_until) -> datetime | None:
    if extended_until is not _LOOK_UP:
        return extended_until
    extension = extension_active_for(cohort=cohort, user=user)
    return extension.until if extension is not None else None


def deadline_for(*, cohort: Cohort, user, extended_until=_LOOK_UP) -> datetime:
    """The person's deadline for this call: the call's, or their active extension's `until`
    when that is later. `extended_until` (None: no extension) saves the query when the caller
    annotated it (`with_extended_until`)."""
    until = _extended_until(cohort, user, extended_until)
    if until is not None and until > cohort.applications_close_at:
        return until
    return cohort.applications_close_at


def is_extended_for(*, cohort: Cohort, user, extended_until=_LOOK_UP) -> bool:
    """Whether the person's deadline is later than the call's."""
    until = _extended_until(cohort, user, extended_until)
    return until is not None and until > cohort.applications_close_at


def is_accepting_for(*, cohort: Cohort, user, at: datetime | None = None, extended_until=_LOOK_UP) -> bool:
    """Whether this person may start, edit or submit an application to the call at `at`."""
    at = at or timezone.now()
    if cohort.is_accepting(at):
        return True
    if cohort.status not in EXTENDABLE_STATUSES or at < cohort.applications_open_at:
        return False
    until = _extended_until(cohort, user, extended_until)
    return until is not None and at < until


def extended_until_subquery(*, cohort_ref: str, person_ref: str) -> Subquery:
    """The active extension's `until` for the row's cohort and person (None without one)."""
    return Subquery(
        DeadlineExtension.objects.filter(
            cohort=OuterRef(cohort_ref), person=OuterRef(person_ref), revoked_at__isnull=True
        ).values("until")[:1]
    )


def with_extended_until(applications: QuerySet) -> QuerySet:
    """Applications annotated with their applicant's active extension's `until` (or None)."""
    return applications.annotate(extended_until=extended_until_subquery(cohort_ref="cohort", person_ref="applicant"))


def application_extended_until(application) -> datetime | None:
    """The applicant's active extension's `until` for the application's call (None without
    one): the annotation when the list has it (`with_extended_until`), else one query."""
    until = application.__dict__.get("extended_until", _LOOK_UP)
    if until is not _LOOK_UP:
        return until
    return (
        DeadlineExtension.objects.filter(
            cohort_id=application.cohort_id, person_id=application.applicant_id, revoked_at__isnull=True
        )
        .values_list("until", flat=True)
        .first()
    )


def deadline_for_application(application) -> datetime:
    """`deadline_for` the application's applicant."""
    return deadline_for(cohort=application.cohort, user=None, extended_until=application_extended_until(application))


def is_extended_for_application(application) -> bool:
    return is_extended_for(cohort=application.cohort, user=None, extended_until=application_extended_until(application))


def is_accepting_for_application(application, *, at: datetime | None = None) -> bool:
    """`is_accepting_for` the application's applicant."""
    return is_accepting_for(
        cohort=application.cohort, user=None, at=at, extended_until=application_extended_until(application)
    )
