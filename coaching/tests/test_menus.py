"""Menus follow roles (issue 12, item 18): an applicant sees no coaching, review or cohort item;
each role sees its own; the roles come with the user, so the menu costs no query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohorts.enums import ParticipantRole
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganisationFactory,
    ParticipantFactory,
    ReviewAssignmentFactory,
)

pytestmark = pytest.mark.django_db

ITEMS = ("nav-coaching", "nav-reviews", "nav-my-cohort")


def _items(client, user) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    return {item for item in ITEMS if f'data-testid="{item}"' in page}


def test_an_applicant_sees_no_coaching_review_or_cohort_item(client):
    applicant = ApplicationFactory().applicant

    assert _items(client, applicant) == set()


def test_a_coach_sees_coaching(client, world):
    assert _items(client, world.coach) == {"nav-coaching"}


def test_an_organisation_leader_sees_coaching_and_the_cohort(client, world):
    assert _items(client, world.leader) == {"nav-coaching", "nav-my-cohort"}


def test_an_intrapreneur_participant_without_a_coach_profile_sees_the_cohort_only(client):
    person = ParticipantFactory(role=ParticipantRole.INTRAPRENEUR).user

    assert _items(client, person) == {"nav-my-cohort"}


def test_a_reviewer_sees_reviews(client):
    reviewer = ReviewAssignmentFactory().reviewer

    assert _items(client, reviewer) == {"nav-reviews"}


def test_a_researcher_sees_coaching(client, world):
    assert _items(client, world.researcher) == {"nav-coaching"}


def test_staff_see_coaching_and_reviews(client, world):
    assert _items(client, world.staff) == {"nav-coaching", "nav-reviews"}


def test_the_menu_costs_the_same_queries_for_an_applicant_and_a_person_with_every_role(client, world):
    ReviewAssignmentFactory(reviewer=world.leader)
    counts = []
    for user in (ApplicationFactory().applicant, world.leader):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("home"))
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_an_organisation_no_coach_can_take_says_so_and_what_to_do(client, world):
    cohort = CohortFactory(program=world.program, status="running")
    organisation = OrganisationFactory(name="กลุ่มออมทรัพย์บ้านนา")
    ParticipantFactory(cohort=cohort, organisation=organisation, role=ParticipantRole.ORGANISATION_LEADER)
    client.force_login(world.staff)
    client.cookies["django_language"] = "en"

    response = client.get(reverse("coaching:matching", kwargs={"cohort_id": cohort.pk}))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="no-alternative"' in page
    assert 'data-testid="alternative-select"' not in page
