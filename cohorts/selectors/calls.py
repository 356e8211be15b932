from django.db.models import QuerySet
from django.utils import timezone

from cohorts.enums import CohortStatus
from cohorts.models import Cohort


def cohorts_open_calls(*, at=None) -> QuerySet[Cohort]:
    """Cohorts accepting applications now, soonest deadline first."""
    at = at or timezone.now()
    return (
        Cohort.objects.filter(status=CohortStatus.OPEN, applications_open_at__lte=at, applications_close_at__gt=at)
        .select_related("program")
        .order_by("applications_close_at", "pk")
    )
