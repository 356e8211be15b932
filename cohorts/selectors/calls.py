from django.db.models import QuerySet
from django.utils import timezone

from cohorts.enums import CohortStatus
from cohorts.models import Cohort, Program


def cohorts_open_calls(*, at=None) -> QuerySet[Cohort]:
    """Cohorts accepting applications now, soonest deadline first."""
    at = at or timezone.now()
    return (
        Cohort.objects.filter(status=CohortStatus.OPEN, applications_open_at__lte=at, applications_close_at__gt=at)
        .select_related("program")
        .order_by("applications_close_at", "pk")
    )


def programs_for_staff(*, user) -> QuerySet[Program]:
    """The programs a staff member runs: all for superusers, their own for program staff."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    return Program.objects.filter(staff=user)


def program_ids_for_staff(*, user) -> list[int] | None:
    """Program ids a staff member may see, or None for "all" (superusers)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    return list(programs_for_staff(user=user).values_list("pk", flat=True))
