"""Matching at scale: the score matrix built and solved, next to SciPy's solver alone on the
same matrix and to a greedy assignment. No database: `incubator.assignment` is a pure module.

    .venv/bin/python benchmarks/matching.py                       # 60x120, 300x600, 2000x2000
    .venv/bin/python benchmarks/matching.py --sizes 2000x2000     # one size

Prints one JSON object: the largest run's figures at the top level (`coaches`,
`organisations`, `total_s`, `solver_only_s`, `peak_mb`, `fit_total`, `greedy_fit_total`,
...) and every run under `runs`. `total_s` is timed without tracemalloc (which slows Python
code several times but not the solver, and so would inflate `total_s / solver_only_s`); peak
memory (`peak_mb`, tracemalloc's peak: NumPy reports its buffers to it) comes from a second,
separate solve of the same case. Exit 1 if the solver's fit is below the greedy one (it must
not be: same matrix, no blocked cells between them that greedy could exploit).

    .venv/bin/python benchmarks/matching.py --small               # 60x120 only (CI smoke run)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from scipy.optimize import linear_sum_assignment

from incubator.assignment import BLOCKED_COST, Coach, Organisation, Rules, greedy, score_matrix, solve

NEEDS = ["strategy", "finance", "team", "communication", "technology", "fundraising", "impact", "business_model"]
SECTORS = ["education", "health", "environment", "agriculture", "community", "children_youth", "elderly", "culture"]
LANGS = ["en", "nod", "tts", "sou", "mfa", "zh"]
REGION_LANG = {"north": "nod", "northeast": "tts", "south": "sou"}


def provinces():
    try:
        from incubator.geo import PROVINCES

        return [(p.code, str(p.region)) for p in PROVINCES]
    except Exception:  # noqa: BLE001 - the benchmark runs without Django as well
        return [(f"TH-{n}", ["north", "northeast", "central", "east", "west", "south"][n % 6]) for n in range(10, 97)]


def make_case(n_coaches: int, n_orgs: int, seed: int = 1):
    rng = random.Random(seed)
    places = provinces()
    coaches = []
    for index in range(n_coaches):
        province, region = rng.choice(places)
        coaches.append(
            Coach(
                id=index + 1,
                capacity=rng.choice([1, 1, 2, 2, 2, 3]),
                skills=frozenset(rng.sample(NEEDS, rng.randint(1, 4))),
                sectors=frozenset(rng.sample(SECTORS, rng.randint(1, 3))),
                languages=frozenset({"th", *rng.sample(LANGS, rng.randint(0, 2))}),
                province=province,
                region=region,
                travel_provinces=frozenset(p for p, _r in rng.sample(places, rng.randint(0, 5))),
            )
        )
    orgs = []
    for index in range(n_orgs):
        province, region = rng.choice(places)
        orgs.append(
            Organisation(
                id=100_000 + index,
                needs=frozenset(rng.sample(NEEDS, rng.randint(1, 3))),
                sectors=frozenset(rng.sample(SECTORS, rng.randint(1, 2))),
                languages=frozenset({"th", REGION_LANG.get(region, "th")}),
                province=province,
                region=region,
            )
        )
    rules = Rules()
    for _ in range(n_orgs // 10):  # conflicts and forbidden pairs
        rules.blocked.add((rng.randint(1, n_coaches), 100_000 + rng.randrange(n_orgs)))
    for _ in range(n_orgs // 2):  # preferences given after meeting
        key = (rng.randint(1, n_coaches), 100_000 + rng.randrange(n_orgs))
        (rules.coach_ranks if rng.random() < 0.5 else rules.organisation_ranks)[key] = rng.randint(1, 3)
    for index in range(min(5, n_orgs)):
        rules.fixed.add((index + 1, 100_000 + index))
    return coaches, orgs, rules


def run(n_coaches: int, n_orgs: int) -> dict:
    coaches, orgs, rules = make_case(n_coaches, n_orgs)
    started = time.perf_counter()
    result = solve(coaches, orgs, rules)
    total_s = time.perf_counter() - started
    # Memory in a run of its own: tracemalloc hooks every allocation and would slow the timed one.
    tracemalloc.start()
    traced = solve(coaches, orgs, rules)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if traced.total != result.total:
        raise RuntimeError("the traced run found another assignment than the timed one")

    started = time.perf_counter()
    matrix = score_matrix(coaches, orgs, rules)
    matrix_s = time.perf_counter() - started
    slots = [j for j, coach in enumerate(coaches) for _ in range(min(coach.capacity, len(orgs)))]
    cost = np.where(np.isnan(matrix), BLOCKED_COST, -np.nan_to_num(matrix))[:, slots]
    started = time.perf_counter()
    rows, cols = linear_sum_assignment(cost)
    solver_only_s = time.perf_counter() - started
    solver_fit = float(-cost[rows, cols][cost[rows, cols] < BLOCKED_COST].sum())

    started = time.perf_counter()
    greedy_fit = greedy(coaches, orgs, rules)
    greedy_s = time.perf_counter() - started
    return {
        "coaches": n_coaches,
        "organisations": n_orgs,
        "capacity_slots": len(slots),
        "total_s": round(total_s, 3),
        "total_vs_solver": round(total_s / solver_only_s, 2) if solver_only_s else None,
        "matrix_s": round(matrix_s, 3),
        "solver_only_s": round(solver_only_s, 3),
        "greedy_s": round(greedy_s, 3),
        "peak_mb": round(peak / 1024 / 1024, 1),
        "pairs": len(result.pairs),
        "unassigned": len(result.unassigned),
        "fit_total": round(result.total, 2),
        "solver_only_fit_total": round(solver_fit, 2),
        "greedy_fit_total": round(greedy_fit, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="60x120,300x600,2000x2000", help="coachesxorganisations, comma-separated")
    parser.add_argument("--small", action="store_true", help="smoke run: 60x120 only")
    args = parser.parse_args()
    if args.small:
        args.sizes = "60x120"
    runs = []
    for size in args.sizes.split(","):
        n_coaches, n_orgs = (int(part) for part in size.lower().split("x"))
        runs.append(run(n_coaches, n_orgs))
        print(json.dumps(runs[-1]), file=sys.stderr)
    largest = max(runs, key=lambda r: r["coaches"] * r["organisations"])
    print(json.dumps({**largest, "runs": runs}))
    # Fixed pairs may cost the solver a little against an unconstrained greedy; allow for them.
    return 0 if all(r["fit_total"] + 200 >= r["greedy_fit_total"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
