"""The solver alone (no database): optimal against brute force, rules honoured."""

import itertools
import random

import numpy as np
import pytest

from incubator.assignment import Coach, Organisation, Rules, alternatives, greedy, pair_fit, score_matrix, solve

NEEDS = ["strategy", "finance", "team", "communication", "technology"]
SECTORS = ["education", "health", "environment", "agriculture"]
LANGS = ["th", "en", "nod", "tts"]
PLACES = [("TH-50", "north"), ("TH-57", "north"), ("TH-40", "northeast"), ("TH-82", "south"), ("TH-10", "central")]


def _sample(rng, items, most):
    return frozenset(rng.sample(items, rng.randint(0, most)))


def random_case(rng, n_coaches, n_orgs):
    coaches = []
    for index in range(n_coaches):
        province, region = rng.choice(PLACES)
        coaches.append(
            Coach(
                id=index + 1,
                capacity=rng.randint(1, 2),
                skills=_sample(rng, NEEDS, 3),
                sectors=_sample(rng, SECTORS, 2),
                languages=frozenset({"th"}) | _sample(rng, LANGS, 2),
                province=province,
                region=region,
                travel_provinces=frozenset(p for p, _r in rng.sample(PLACES, rng.randint(0, 2))),
            )
        )
    orgs = []
    for index in range(n_orgs):
        province, region = rng.choice(PLACES)
        orgs.append(
            Organisation(
                id=100 + index,
                needs=_sample(rng, NEEDS, 3),
                sectors=_sample(rng, SECTORS, 2),
                languages=frozenset({"th"}) | _sample(rng, LANGS, 1),
                province=province,
                region=region,
            )
        )
    rules = Rules()
    for coach in coaches:
        for org in orgs:
            roll = rng.random()
            if roll < 0.15:
                rules.blocked.add((coach.id, org.id))
            elif roll < 0.3:
                rules.coach_ranks[(coach.id, org.id)] = rng.randint(1, 4)
            elif roll < 0.45:
                rules.organisation_ranks[(coach.id, org.id)] = rng.randint(1, 4)
    return coaches, orgs, rules


def brute_force(coaches, orgs, rules):
    """Best (organisations matched, total fit) over every assignment."""
    best = (0, 0.0)
    options = [None, *range(len(coaches))]
    for choice in itertools.product(options, repeat=len(orgs)):
        load = [0] * len(coaches)
        total, count, ok = 0.0, 0, True
        for org, pick in zip(orgs, choice, strict=True):
            if pick is None:
                continue
            coach = coaches[pick]
            load[pick] += 1
            if load[pick] > coach.capacity or (coach.id, org.id) in rules.blocked:
                ok = False
                break
            count += 1
            total += pair_fit(coach, org, rules)[0]
        if ok and (count, round(total, 4)) > (best[0], round(best[1], 4)):
            best = (count, total)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_solve_matches_brute_force_on_small_random_cases(seed):
    rng = random.Random(seed)
    coaches, orgs, rules = random_case(rng, rng.randint(1, 3), rng.randint(1, 5))

    result = solve(coaches, orgs, rules)

    count, total = brute_force(coaches, orgs, rules)
    assert (len(result.pairs), round(result.total, 3)) == (count, round(total, 3))


@pytest.mark.parametrize("seed", range(10))
def test_score_matrix_equals_pair_fit(seed):
    rng = random.Random(seed)
    coaches, orgs, rules = random_case(rng, 4, 6)

    matrix = score_matrix(coaches, orgs, rules)

    for i, org in enumerate(orgs):
        for j, coach in enumerate(coaches):
            if (coach.id, org.id) in rules.blocked:
                assert np.isnan(matrix[i, j])
            else:
                assert matrix[i, j] == pytest.approx(pair_fit(coach, org, rules)[0])


def test_solve_respects_capacities():
    coaches = [Coach(id=1, capacity=2, skills=frozenset({"finance"})), Coach(id=2, capacity=1)]
    orgs = [Organisation(id=10 + i, needs=frozenset({"finance"})) for i in range(3)]

    result = solve(coaches, orgs)

    loads = {1: 0, 2: 0}
    for pair in result.pairs:
        loads[pair.coach_id] += 1
    assert loads == {1: 2, 2: 1}
    assert result.unassigned == []


def test_solve_names_organisations_left_without_a_coach():
    coaches = [Coach(id=1, capacity=1, skills=frozenset({"team"}))]
    orgs = [Organisation(id=10), Organisation(id=11, needs=frozenset({"team"})), Organisation(id=12)]

    result = solve(coaches, orgs)

    assert [(p.coach_id, p.organisation_id) for p in result.pairs] == [(1, 11)]
    assert result.unassigned == [10, 12]


def test_solve_never_proposes_blocked_pairs():
    coaches = [Coach(id=1, skills=frozenset({"finance"})), Coach(id=2)]
    orgs = [Organisation(id=10, needs=frozenset({"finance"}))]

    result = solve(coaches, orgs, Rules(blocked={(1, 10)}))

    assert [(p.coach_id, p.organisation_id) for p in result.pairs] == [(2, 10)]


def test_solve_leaves_organisation_unassigned_when_every_coach_is_blocked():
    result = solve([Coach(id=1)], [Organisation(id=10)], Rules(blocked={(1, 10)}))

    assert result.pairs == []
    assert result.unassigned == [10]


def test_solve_honours_fixed_pairs_against_a_better_fit():
    coaches = [Coach(id=1, skills=frozenset({"finance"})), Coach(id=2)]
    orgs = [Organisation(id=10, needs=frozenset({"finance"})), Organisation(id=11)]

    result = solve(coaches, orgs, Rules(fixed={(2, 10)}))

    assert sorted((p.coach_id, p.organisation_id, p.fixed) for p in result.pairs) == [(1, 11, False), (2, 10, True)]


def test_solve_refuses_a_fixed_pair_with_a_conflict():
    result = solve([Coach(id=1)], [Organisation(id=10)], Rules(fixed={(1, 10)}, blocked={(1, 10)}))

    assert result.pairs == []
    assert result.problems == [("fixed_blocked", 1, 10)]


def test_pair_fit_reasons():
    coach = Coach(id=1, skills=frozenset({"finance", "team", "technology"}), province="TH-57", region="north")
    org = Organisation(id=2, needs=frozenset({"finance", "team", "strategy"}), province="TH-50", region="north")

    score, reasons = pair_fit(coach, org, Rules(organisation_ranks={(1, 2): 1}))

    assert [(r.code, r.values) for r in reasons] == [
        ("needs", ("finance", "team")),
        ("same_region", ("north",)),
        ("organisation_ranked", (1,)),
    ]
    assert score == 20 + 3 + 5


def test_alternatives_are_ranked_and_skip_blocked():
    org = Organisation(id=10, needs=frozenset({"finance"}), province="TH-50", region="north")
    coaches = [Coach(id=1), Coach(id=2, skills=frozenset({"finance"})), Coach(id=3, province="TH-50")]

    options = alternatives(org, coaches, Rules(blocked={(3, 10)}))

    assert [p.coach_id for p in options] == [2, 1]


def test_greedy_is_never_better_than_the_solver():
    rng = random.Random(7)
    coaches, orgs, rules = random_case(rng, 8, 14)
    rules.blocked.clear()  # with blocks the solver puts covering more organisations first

    assert greedy(coaches, orgs, rules) <= solve(coaches, orgs, rules).total + 1e-6
