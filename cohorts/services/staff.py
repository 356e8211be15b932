"""The program-staff role: a person who runs a program logs in to the admin with the
"Program staff" group's model permissions and sees only their programs (cohorts.access)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from cohorts.access import program_staff_add
from cohorts.models import Program

PROGRAM_STAFF_GROUP = "Program staff"
# Model permissions ("app.codename") the "Program staff" group carries. What a member sees is
# further limited to the programs they run (Program.staff), in the admin and on staff pages.
PROGRAM_STAFF_PERMISSIONS = (
    "cohorts.view_program",
    "cohorts.view_cohort",
    "cohorts.add_cohort",
    "cohorts.change_cohort",
    "cohorts.view_track",
    "cohorts.add_track",
    "cohorts.change_track",
    "cohorts.delete_track",
    "cohorts.view_question",
    "cohorts.add_question",
    "cohorts.change_question",
    "cohorts.delete_question",
    "cohorts.view_criterion",
    "cohorts.add_criterion",
    "cohorts.change_criterion",
    "cohorts.delete_criterion",
    "cohorts.view_phase",
    "cohorts.add_phase",
    "cohorts.change_phase",
    "cohorts.delete_phase",
    "cohorts.view_organisation",
    "cohorts.change_organisation",
    "cohorts.view_application",
    "cohorts.change_application",
    "cohorts.view_answer",
    "cohorts.view_reviewassignment",
    "cohorts.delete_reviewassignment",
    "cohorts.view_score",
    "cohorts.view_participant",
    "cohorts.add_participant",
    "cohorts.change_participant",
    "cohorts.view_deadlinereminder",
    "cohorts.view_reviewerexpertise",
    "cohorts.view_reviewpairrule",
    "cohorts.delete_reviewpairrule",
    "cohorts.view_reviewproposal",
    "cohorts.view_reviewreminder",
    "cohorts.view_interviewslot",
    "cohorts.view_interviewbooking",
    # The outbox: see and resend the emails of their programs (scoped in cohorts.admin.outbox).
    "incubator.view_outboundemail",
    "incubator.change_outboundemail",
)


# Permissions that apps above cohorts (workshops, coaching) add for their admins, from their
# AppConfig.ready(): cohorts never names those apps.
_REGISTERED_PERMISSIONS: list[str] = []


def program_staff_permissions_register(names) -> None:
    """Add "app.codename" permissions to what the "Program staff" group carries."""
    for name in names:
        if name not in _REGISTERED_PERMISSIONS:
            _REGISTERED_PERMISSIONS.append(name)


def program_staff_permissions() -> tuple[str, ...]:
    return (*PROGRAM_STAFF_PERMISSIONS, *_REGISTERED_PERMISSIONS)


def program_staff_group() -> Group:
    """The "Program staff" group with the model permissions program staff need (brought up
    to date on every call, and after every migrate: see cohorts.apps)."""
    group, _created = Group.objects.get_or_create(name=PROGRAM_STAFF_GROUP)
    wanted = Q()
    for name in program_staff_permissions():
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    return group


def staff_grant_program_role(*, user, program: Program, by=None) -> None:
    """Make `user` staff of `program`: a member of Program.staff, able to log in to the admin,
    in the "Program staff" group. They see only the programs they run."""
    with transaction.atomic():
        program_staff_add(program=program, user=user)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(program_staff_group())
    # Permissions are cached on the user object; the next request loads them afresh.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
