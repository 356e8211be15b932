"""What the selection services share: the statuses that can be reviewed and decided, and
one locked, history-recording status change."""

from __future__ import annotations

from cohorts.enums import ApplicationStatus
from cohorts.models import Application

# Statuses from which staff may take a decision, and in which reviewers may be assigned and score.
DECIDABLE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
)
REVIEWABLE_STATUSES = DECIDABLE_STATUSES


def application_lock(application: Application) -> Application:
    """The application's row, locked for the rest of the transaction, with what mail needs."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("cohort__program", "track", "applicant", "organisation")
        .get(pk=application.pk)
    )


def applications_lock(pks) -> list[Application]:
    """Lock a batch of applications (in id order, so two bulk actions never deadlock) with
    what decisions and assignments read of them. Call inside a transaction."""
    return list(
        Application.objects.select_for_update(of=("self",))
        .select_related("cohort__program", "track", "applicant", "organisation")
        .filter(pk__in=pks)
        .order_by("pk")
    )


def application_set_status(*, application: Application, status: str, by, update_fields: list[str]) -> None:
    application.status = status
    application.full_clean(exclude=[f.name for f in Application._meta.fields if f.name != "status"])
    application._history_user = by
    application.save(update_fields=["status", "updated_at", *update_fields])
