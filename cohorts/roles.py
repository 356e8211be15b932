"""The menu's roles from cohorts (see incubator/roles.py): who reviews, who takes part."""

from django.db.models import Exists, OuterRef, Q

from incubator.roles import role_register


def _reviewer():
    """Staff, people with a review, and the reviewers of a phase (they set their expertise
    before automatic assignment gives them reviews)."""
    from cohorts.models import Phase, ReviewAssignment

    return (
        Q(is_staff=True)
        | Exists(ReviewAssignment.objects.filter(reviewer=OuterRef("pk")))
        | Exists(Phase.reviewers.through.objects.filter(user=OuterRef("pk")))
    )


def _participant():
    from cohorts.models import Participant

    return Exists(Participant.objects.filter(user=OuterRef("pk"), is_active=True))


def register_roles() -> None:
    role_register("reviewer", _reviewer)
    role_register("participant", _participant)
