"""Object permissions for workshops, in one place (django-rules). Views fetch through the
scoped selectors in `selectors.py`, which answer 404 for what a user may not see."""

from __future__ import annotations

import rules

from cohorts.access import is_staff_of_program
from cohorts.models import Cohort, Participant
from workshops.models import Material, Session, Workshop, WorkshopSeries


def program_id_of(obj) -> int | None:
    if isinstance(obj, Cohort):
        return obj.program_id
    if isinstance(obj, WorkshopSeries):
        return obj.cohort.program_id
    if isinstance(obj, Workshop):
        return obj.series.cohort.program_id
    if isinstance(obj, Session | Material):
        return obj.workshop.series.cohort.program_id
    return None


def cohort_id_of(obj) -> int | None:
    if isinstance(obj, Cohort):
        return obj.pk
    if isinstance(obj, WorkshopSeries):
        return obj.cohort_id
    if isinstance(obj, Workshop):
        return obj.series.cohort_id
    if isinstance(obj, Session | Material):
        return obj.workshop.series.cohort_id
    return None


@rules.predicate
def is_workshop_staff(user, obj) -> bool:
    """Staff of the program the series, workshop, session or material belongs to."""
    return is_staff_of_program(user=user, program_id=program_id_of(obj))


@rules.predicate
def is_cohort_participant(user, obj) -> bool:
    """An active participant of the cohort the object belongs to."""
    cohort_id = cohort_id_of(obj)
    return bool(
        user.is_authenticated
        and cohort_id is not None
        and Participant.objects.filter(cohort_id=cohort_id, user=user, is_active=True).exists()
    )


rules.add_perm("workshops.view_material_obj", is_cohort_participant | is_workshop_staff)
rules.add_perm("workshops.view_session_obj", is_cohort_participant | is_workshop_staff)
rules.add_perm("workshops.give_feedback_obj", is_cohort_participant)
rules.add_perm("workshops.take_attendance_obj", is_workshop_staff)
rules.add_perm("workshops.manage_series_obj", is_workshop_staff)
