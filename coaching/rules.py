"""Who may see and change what in coaching (django-rules predicates), in one place.

- a coach: their own matches (any status but proposed), visits, actions and photos;
- the leader of an organisation: its confirmed matches, the visits shared with them (submitted),
  its action items (status updates) and the plan (goals);
- a researcher: every submitted visit of the cohorts they are given, read-only;
- program staff: everything in their programs (cohorts.access).
Scoped selectors (coaching.selectors) apply the same rules as querysets and answer 404.
"""

from __future__ import annotations

import rules

from coaching.enums import MatchStatus, VisitStatus
from coaching.models import ActionItem, Match, ResearcherAccess, Visit
from cohorts.access import is_staff_of_program
from cohorts.enums import ParticipantRole
from cohorts.models import Participant


def _match_of(obj) -> Match | None:
    if isinstance(obj, Match):
        return obj
    if isinstance(obj, Visit | ActionItem):
        return obj.match
    return None


@rules.predicate
def is_match_coach(user, obj) -> bool:
    match = _match_of(obj)
    return bool(
        user.is_authenticated and match is not None and match.status != MatchStatus.PROPOSED
        and match.coach.user_id == user.pk
    )  # fmt: skip


@rules.predicate
def is_match_leader(user, obj) -> bool:
    match = _match_of(obj)
    if not user.is_authenticated or match is None or match.status != MatchStatus.CONFIRMED:
        return False
    return Participant.objects.filter(
        user=user,
        cohort_id=match.cohort_id,
        organisation_id=match.organisation_id,
        role=ParticipantRole.ORGANISATION_LEADER,
        is_active=True,
    ).exists()


@rules.predicate
def is_match_staff(user, obj) -> bool:
    match = _match_of(obj)
    return match is not None and is_staff_of_program(user=user, program_id=match.cohort.program_id)


@rules.predicate
def is_researcher_of(user, obj) -> bool:
    match = _match_of(obj)
    return bool(
        user.is_authenticated and match is not None
        and ResearcherAccess.objects.filter(user=user, cohort_id=match.cohort_id).exists()
    )  # fmt: skip


@rules.predicate
def is_submitted_and_shared(user, visit) -> bool:
    return visit.status == VisitStatus.SUBMITTED and visit.shared_with_leader


@rules.predicate
def is_submitted(user, visit) -> bool:
    return visit.status == VisitStatus.SUBMITTED


@rules.predicate
def is_visit_author(user, visit) -> bool:
    return user.is_authenticated and visit.author_id == user.pk


rules.add_perm("coaching.view_match_obj", is_match_coach | is_match_leader | is_match_staff)
rules.add_perm("coaching.log_visit_obj", is_match_coach)
rules.add_perm("coaching.set_goals_obj", is_match_leader | is_match_coach)
rules.add_perm(
    "coaching.view_visit_obj",
    (is_visit_author & is_match_coach)
    | (is_match_leader & is_submitted_and_shared)
    | (is_researcher_of & is_submitted)
    | is_match_staff,
)
rules.add_perm("coaching.change_action_obj", is_match_coach | is_match_leader)
