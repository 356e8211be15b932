"""The menu's role from coaching (see incubator/roles.py): who has a coaching page to open.

A coach (a coach profile), the leader of an organisation taking part in a cohort, a researcher
given a cohort, staff. An applicant who is none of these sees no coaching item.
"""

from django.db.models import Exists, OuterRef, Q

from incubator.roles import role_register


def _coaching():
    from coaching.models import CoachProfile, ResearcherAccess
    from cohorts.enums import ParticipantRole
    from cohorts.models import Participant

    return (
        Q(is_staff=True)
        | Exists(CoachProfile.objects.filter(user=OuterRef("pk")))
        | Exists(
            Participant.objects.filter(user=OuterRef("pk"), is_active=True, role=ParticipantRole.ORGANISATION_LEADER)
        )
        | Exists(ResearcherAccess.objects.filter(user=OuterRef("pk")))
    )


def register_roles() -> None:
    role_register("coaching", _coaching)
