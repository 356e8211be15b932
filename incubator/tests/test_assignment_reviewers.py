"""Reviewer assignment alone (no database): on random instances, blocked and same-organisation
pairs never assigned, no reviewer twice on one application, fixed pairs kept, loads within one,
and each round's fit optimal against brute force on small cases; the round solver without slot
expansion costs exactly what `linear_sum_assignment` on the expanded matrix costs."""

import itertools
import random

import numpy as np
import pytest

from incubator.assignment import (
    BLOCKED_COST,
    Reviewer,
    Submission,
    _round_flow,
    _round_lsa,
    _round_slots,
    _tiers,
    assign_reviewers,
    greedy_reviewers,
    review_blocked,
    review_fit,
)

TRACKS = ["intrapreneur", "team", "organisation"]
SECTORS = ["education", "health", "environment", "agriculture"]
REGIONS = ["north", "northeast", "central", "south"]


def _sample(rng, items, most):
    return frozenset(rng.sample(items, rng.randint(0, most)))


def random_case(rng, n_reviewers, n_apps, conflict_rate=0.1):
    reviewers = [
        Reviewer(
            id=index + 1,
            tracks=_sample(rng, TRACKS, 2),
            sectors=_sample(rng, SECTORS, 2),
            regions=_sample(rng, REGIONS, 2),
            organisation=rng.choice([None, None, 500, 501]),
        )
        for index in range(n_reviewers)
    ]
    apps = [
        Submission(
            id=100 + index,
            track=rng.choice(TRACKS),
            sectors=_sample(rng, SECTORS, 2),
            region=rng.choice(REGIONS),
            organisation=rng.choice([None, 500, 501, 502]),
        )
        for index in range(n_apps)
    ]
    blocked = {(r.id, a.id) for r in reviewers for a in apps if rng.random() < conflict_rate}
    return reviewers, apps, blocked


@pytest.mark.parametrize("seed", range(40))
def test_assign_reviewers_rules_hold_on_random_instances(seed):
    rng = random.Random(seed)
    reviewers, apps, blocked = random_case(rng, rng.randint(3, 9), rng.randint(1, 25))
    per_application = rng.randint(1, 3)
    fixed = set()
    for app in rng.sample(apps, min(2, len(apps))):
        reviewer = rng.choice(reviewers)
        if not review_blocked(reviewer, app, blocked):
            fixed.add((reviewer.id, app.id))
    result = assign_reviewers(reviewers, apps, per_application, blocked=blocked, fixed=fixed)
    by_id = {r.id: r for r in reviewers}
    app_by_id = {a.id: a for a in apps}
    seen = set()
    for pair in result.pairs:
        assert not review_blocked(by_id[pair.reviewer_id], app_by_id[pair.application_id], blocked)
        assert (pair.reviewer_id, pair.application_id) not in seen
        seen.add((pair.reviewer_id, pair.application_id))
    assert fixed <= seen
    for app in apps:
        got = sum(1 for pair in result.pairs if pair.application_id == app.id)
        assert got + result.short.get(app.id, 0) == per_application
        allowed = sum(1 for r in reviewers if not review_blocked(r, app, blocked))
        # Short only when the rules leave no other reviewer (no maximum per reviewer here).
        if result.short.get(app.id, 0):
            assert got == allowed
    assert result.problems == []


@pytest.mark.parametrize("seed", range(30))
def test_assign_reviewers_loads_within_one_without_blocks(seed):
    rng = random.Random(1000 + seed)
    reviewers, apps, _blocked = random_case(rng, rng.randint(2, 12), rng.randint(1, 40), conflict_rate=0)
    reviewers = [Reviewer(r.id, r.tracks, r.sectors, r.regions) for r in reviewers]  # no organisation
    per_application = rng.randint(1, min(3, len(reviewers)))
    result = assign_reviewers(reviewers, apps, per_application)
    loads = result.loads(reviewers).values()
    assert result.short == {}
    assert max(loads) - min(loads) <= 1


@pytest.mark.parametrize("seed", range(20))
def test_assign_reviewers_one_round_optimal_against_brute_force(seed):
    rng = random.Random(2000 + seed)
    reviewers, apps, blocked = random_case(rng, 3, rng.randint(1, 6), conflict_rate=0)
    reviewers = [Reviewer(r.id, r.tracks, r.sectors, r.regions) for r in reviewers]
    apps = [Submission(a.id, a.track, a.sectors, a.region) for a in apps]
    result = assign_reviewers(reviewers, apps, 1)
    share = [len(apps) // 3 + (1 if index < len(apps) % 3 else 0) for index in range(3)]
    best = -1.0
    for choice in itertools.product(range(3), repeat=len(apps)):
        counts = [choice.count(index) for index in range(3)]
        if sorted(counts) != sorted(share):
            continue
        best = max(best, sum(review_fit(reviewers[j], app)[0] for j, app in zip(choice, apps, strict=True)))
    assert result.total == pytest.approx(best)


def test_assign_reviewers_max_per_reviewer_and_short():
    reviewers = [Reviewer(1), Reviewer(2)]
    apps = [Submission(10 + index) for index in range(5)]
    result = assign_reviewers(reviewers, apps, 1, max_per_reviewer=2)
    assert max(result.loads(reviewers).values()) == 2
    assert sum(result.short.values()) == 1


def test_assign_reviewers_fixed_blocked_is_refused():
    reviewers = [Reviewer(1, organisation=7), Reviewer(2)]
    apps = [Submission(10, organisation=7)]
    result = assign_reviewers(reviewers, apps, 1, fixed={(1, 10)})
    assert result.problems == [("fixed_blocked", 1, 10)]
    assert [(pair.reviewer_id, pair.application_id) for pair in result.pairs] == [(2, 10)]


def test_assign_reviewers_reasons_name_the_expertise():
    reviewer = Reviewer(1, tracks=frozenset({"team"}), sectors=frozenset({"health"}), regions=frozenset({"north"}))
    app = Submission(10, track="team", sectors=frozenset({"health", "education"}), region="north")
    result = assign_reviewers([reviewer], [app], 1)
    assert [(reason.code, reason.values) for reason in result.pairs[0].reasons] == [
        ("track", ("team",)),
        ("sectors", ("health",)),
        ("region", ("north",)),
    ]


def test_greedy_reviewers_never_beats_the_solver_on_random_instances():
    rng = random.Random(7)
    reviewers, apps, blocked = random_case(rng, 10, 60)
    optimal = assign_reviewers(reviewers, apps, 2, blocked=blocked)
    greedy = greedy_reviewers(reviewers, apps, 2, blocked=blocked)
    assert optimal.total >= greedy.total or sum(greedy.short.values()) > sum(optimal.short.values())


def _round_total(cost, where, slots, penalty):
    """What a round's assignment costs on the expanded matrix: each row's cell plus, per
    reviewer, the cheapest of its slots as many as it took."""
    total = float(cost[np.arange(len(where)), where].sum())
    for j, taken in enumerate(np.bincount(where, minlength=cost.shape[1])):
        total += float(np.sort(penalty[slots == j])[:taken].sum())
    return total


@pytest.mark.parametrize(
    ("seed", "most_rows", "most_reviewers"), [*((s, 40, 9) for s in range(80)), (80, 400, 40), (81, 300, 25)]
)
def test_round_flow_costs_what_linear_sum_assignment_costs_on_random_rounds(seed, most_rows, most_reviewers):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, most_rows)), int(rng.integers(1, most_reviewers))
    fit = rng.integers(0, 9, size=(n, m)).astype(float) if seed % 2 else rng.random((n, m)) * 8
    cost = np.where(rng.random((n, m)) < 0.25, BLOCKED_COST, -fit)
    loads = rng.integers(0, 5, size=m)
    limit = np.full(m, 10**9) if seed % 3 else loads + rng.integers(2, 20, size=m)
    slots, penalty = _round_slots(n, loads, limit)
    if len(slots) < n:  # fewer places than rows is linear_sum_assignment's case alone: widen the limits
        slots, penalty = _round_slots(n, loads, loads + n)

    where = _round_flow(cost, *_tiers(slots, penalty, m))

    assert (where >= 0).all()
    assert (np.bincount(where, minlength=m) <= np.bincount(slots, minlength=m)).all()
    expected = _round_lsa(cost, slots, penalty)
    assert _round_total(cost, where, slots, penalty) == pytest.approx(_round_total(cost, expected, slots, penalty))
