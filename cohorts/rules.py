"""Object permissions for cohorts, in one place (django-rules).

Views fetch through scoped selectors and answer 404 for what a user may not see; these
predicates are what those selectors and the admin check.
"""

import rules

from cohorts.access import is_staff_of_program
from cohorts.models import Application, Cohort, Program, ReviewAssignment


def _program_id(obj) -> int | None:
    if isinstance(obj, Program):
        return obj.pk
    if isinstance(obj, Cohort):
        return obj.program_id
    if isinstance(obj, Application):
        return obj.cohort.program_id
    if isinstance(obj, ReviewAssignment):
        return obj.application.cohort.program_id
    return None


@rules.predicate
def is_superuser(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


@rules.predicate
def is_program_staff(user, obj) -> bool:
    """Staff of the program that `obj` (program, cohort, application, review) belongs to."""
    if user.is_authenticated and user.is_active and user.is_staff and user.is_superuser:
        return True
    return is_staff_of_program(user=user, program_id=_program_id(obj))


@rules.predicate
def is_applicant(user, application) -> bool:
    return bool(user.is_authenticated and application is not None and application.applicant_id == user.pk)


@rules.predicate
def is_assigned_reviewer(user, application) -> bool:
    return bool(
        user.is_authenticated
        and application is not None
        and ReviewAssignment.objects.filter(application=application, reviewer=user).exists()
    )


rules.add_perm("cohorts.view_application_obj", is_applicant | is_program_staff)
rules.add_perm("cohorts.change_application_obj", is_applicant)
rules.add_perm("cohorts.review_application_obj", is_assigned_reviewer)
rules.add_perm("cohorts.decide_application_obj", is_program_staff)
