"""A small world for coaching tests: one program with a cohort, two confirmed pairs, a
researcher, the program's staff and the staff of another program."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission

from coaching.models import ResearcherAccess
from coaching.tests.factories import (
    ActionFactory,
    CoachProfileFactory,
    MatchFactory,
    PlanFactory,
    VisitFactory,
    leader_of,
)
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ProgramFactory
from incubator.tests.factories import UserFactory


@dataclass
class World:
    program: object
    cohort: object
    match: object
    other_match: object
    coach: object
    other_coach: object
    leader: object
    other_leader: object
    researcher: object
    staff: object
    other_staff: object
    visit: object
    action: object
    plan: object


@pytest.fixture
def world(db):
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status="running")
    org = OrganisationFactory(name="วิสาหกิจชุมชนบ้านดอย", province="TH-57", region="north", needs=["finance", "team"])
    other_org = OrganisationFactory(name="มูลนิธิทะเลใส", province="TH-82", region="south")
    coach = CoachProfileFactory(user=UserFactory(email="coach@example.org", full_name="Coach One"), cohorts=[cohort])
    other_coach = CoachProfileFactory(user=UserFactory(email="coach2@example.org"), cohorts=[cohort])
    match = MatchFactory(cohort=cohort, coach=coach, organisation=org)
    other_match = MatchFactory(cohort=cohort, coach=other_coach, organisation=other_org)
    leader = leader_of(match, UserFactory(email="leader@example.org", full_name="Leader One"))
    other_leader = leader_of(other_match, UserFactory(email="leader2@example.org"))
    researcher = UserFactory(email="researcher@example.org")
    ResearcherAccess.objects.create(user=researcher, cohort=cohort)
    staff = UserFactory(email="staff@example.org", is_staff=True)
    program.staff.add(staff)
    other_staff = UserFactory(email="otherstaff@example.org", is_staff=True)
    ProgramFactory().staff.add(other_staff)
    view_perms = Permission.objects.filter(content_type__app_label="coaching")
    staff.user_permissions.add(*view_perms)
    other_staff.user_permissions.add(*view_perms)
    visit = VisitFactory(match=match)
    action = ActionFactory(match=match, visit=visit)
    plan = PlanFactory(match=match)
    return World(
        program, cohort, match, other_match, coach.user, other_coach.user, leader, other_leader, researcher, staff,
        other_staff, visit, action, plan,
    )  # fmt: skip
