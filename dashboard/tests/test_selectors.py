from datetime import date

import pytest

from dashboard.selectors import (
    cohort_dashboard,
    cohort_get_for_dashboard,
    program_comparison,
    showcase_entries,
)
from dashboard.services import consent_give, consent_withdraw
from dashboard.tests.factories import build_world

pytestmark = pytest.mark.django_db


def test_cohort_dashboard_counts_the_funnel_coaching_workshops_and_outbox(world):
    board = cohort_dashboard(cohort=world.cohort, today=date(2026, 6, 1))

    total = board.applications.total
    assert (total.started, total.submitted, total.reviewed, total.accepted) == (4, 3, 2, 2)
    assert [(r.key, r.started) for r in board.applications.by_region] == [("north", 2), ("south", 1)]
    assert board.applications.reviewers[0]["done"] == 2
    assert (board.coaching.matched, board.coaching.unmatched) == (2, 0)
    assert board.coaching.overdue_count == 2  # last visit 10 Feb, 30 days allowed
    assert board.coaching.visits_by_month == [(date(2026, 2, 1), 2)]
    assert (board.coaching.actions_open, board.coaching.actions_overdue) == (2, 2)
    first = board.workshops.rows[0]
    assert [s.attended for s in first.sessions] == [2] * len(first.sessions)
    assert first.rating_average == 4.0
    assert (board.outbox.failed, board.outbox.sent) == (1, 1)
    [beneficiaries] = board.outcomes
    assert (beneficiaries.baseline, beneficiaries.latest) == ((105, 100, 110), (150, 150, 150))
    assert (beneficiaries.reported, beneficiaries.organisations_total, beneficiaries.better) == (2, 2, 2)
    assert [c.change for c in beneficiaries.changes] == [50, 40]


def test_cohort_dashboard_without_series_or_applications_is_empty_not_an_error(world):
    board = cohort_dashboard(cohort=world.other_cohort)

    assert board.applications.total.started == 0
    assert board.workshops.rows == []
    assert board.coaching.organisations == []


def test_cohort_dashboard_query_count_is_flat(django_assert_num_queries):
    small = build_world(organisations=1, seed=1)
    large = build_world(organisations=6, seed=2)
    for world in (small, large):
        with django_assert_num_queries(16):
            cohort_dashboard(cohort=world.cohort, today=date(2026, 6, 1))


def test_program_comparison_puts_cohorts_side_by_side(world, django_assert_num_queries):
    with django_assert_num_queries(7):
        columns = program_comparison(program=world.program)

    assert [(c.cohort, c.started, c.accepted, c.matched, c.visits) for c in columns] == [(world.cohort, 4, 2, 2, 2)]
    assert columns[0].attendance_rate == 100


def test_cohort_get_for_dashboard_answers_404_outside_the_staff_programs(world):
    from django.http import Http404

    assert cohort_get_for_dashboard(user=world.staff, pk=world.cohort.pk) == world.cohort
    for user in (world.other_staff, world.leaders[0], world.researcher):
        with pytest.raises(Http404):
            cohort_get_for_dashboard(user=user, pk=world.cohort.pk)


def test_showcase_shows_only_consented_entries_and_the_coach_only_with_their_consent(world):
    first, second = world.entries
    consent_give(entry=first, subject="organisation", by=world.leaders[0])

    shown = showcase_entries(cohort=world.cohort)

    assert [e["organisation"] for e in shown] == [first.organisation.name]
    assert shown[0]["coach"] == ""
    consent_give(entry=first, subject="coach", by=world.coaches[0].user)
    assert showcase_entries(cohort=world.cohort)[0]["coach"] == world.coaches[0].user.full_name
    assert second.organisation.name not in str(showcase_entries(cohort=world.cohort))


def test_consent_is_versioned_and_withdrawal_keeps_the_history(world):
    entry = world.entries[0]
    leader = world.leaders[0]
    first = consent_give(entry=entry, subject="organisation", by=leader)
    assert consent_give(entry=entry, subject="organisation", by=leader) == first  # unchanged text: same row

    entry.story = "เรื่องใหม่"
    entry.save()
    second = consent_give(entry=entry, subject="organisation", by=leader)
    consent_withdraw(entry=entry, subject="organisation", by=leader)

    rows = list(entry.consents.order_by("version").values_list("version", "text", "withdrawn_at"))
    assert [v for v, _t, _w in rows] == [1, 2]
    assert "เรื่องใหม่" in rows[1][1]
    assert rows[0][2] is not None
    assert rows[1][2] is not None
    assert second.version == 2
    assert showcase_entries(cohort=world.cohort) == []
