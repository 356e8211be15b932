"""Reviewer assignment at scale: the pure solver (`incubator.assignment.assign_reviewers`, no
database) on 5,000 applications, 200 reviewers, 3 reviews each, 2% of pairs in conflict.

    .venv/bin/python benchmarks/review_assignment.py            # full size
    .venv/bin/python benchmarks/review_assignment.py --small    # 300 x 20 (CI smoke run)

Prints one JSON object: `total_s` (the whole proposal: fit matrix, rounds, reasons),
`total_cpu_s` (the same in this process's CPU time: steadier than wall time on a shared
machine), `solver_only_s` (the rounds' solvers alone: `_round_flow`, or `linear_sum_assignment`
when a maximum per reviewer leaves fewer slots than applications), `load_spread` (most minus fewest
reviews per reviewer; goal at most 1), `conflicts_assigned` (pairs in conflict or of the same
organisation that were assigned; must be 0), `short` (reviews missing), `expertise_fit` and
`greedy_expertise_fit` (mean fit per assigned pair, the solver's and a greedy assignment's),
`peak_mb` (tracemalloc's peak in a second, separate run), `max_rss_mb` (the process's peak
resident memory, interpreter and case included) and `ok`. Exit 1 when not `ok`.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import emit_json, log, parse_with_small
from incubator import assignment
from incubator.assignment import Reviewer, Submission, assign_reviewers, greedy_reviewers, review_blocked

TRACKS = ["intrapreneur", "team", "organisation"]
SECTORS = ["education", "health", "environment", "agriculture", "community", "children_youth", "elderly", "culture"]
REGIONS = ["north", "northeast", "central", "east", "west", "south", "bangkok"]


def build_case(rng: random.Random, n_apps: int, n_reviewers: int, conflict_rate: float):
    organisations = list(range(1, n_apps // 3 + 2))
    reviewers = [
        Reviewer(
            id=index + 1,
            tracks=frozenset(rng.sample(TRACKS, rng.randint(1, 2))),
            sectors=frozenset(rng.sample(SECTORS, rng.randint(1, 3))),
            regions=frozenset(rng.sample(REGIONS, rng.randint(1, 2))),
            organisation=rng.choice(organisations) if rng.random() < 0.3 else None,
        )
        for index in range(n_reviewers)
    ]
    submissions = [
        Submission(
            id=100_000 + index,
            track=rng.choice(TRACKS),
            sectors=frozenset(rng.sample(SECTORS, rng.randint(1, 2))),
            region=rng.choice(REGIONS),
            organisation=rng.choice(organisations),
        )
        for index in range(n_apps)
    ]
    n_conflicts = int(conflict_rate * n_apps * n_reviewers)
    blocked = {(rng.choice(reviewers).id, rng.choice(submissions).id) for _ in range(n_conflicts)}
    return reviewers, submissions, blocked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--per-application", type=int, default=3)
    parser.add_argument("--conflict-rate", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=16)
    args = parse_with_small(parser, argv, {"applications": 300, "reviewers": 20})
    rng = random.Random(args.seed)
    reviewers, submissions, blocked = build_case(rng, args.applications, args.reviewers, args.conflict_rate)
    log("case: %d applications, %d reviewers, %d blocked pairs", len(submissions), len(reviewers), len(blocked))

    solver_seconds = [0.0]
    originals = {name: getattr(assignment, name) for name in ("_round_flow", "_round_lsa")}

    def timed(solver):
        def run(*args):
            started = time.perf_counter()
            try:
                return solver(*args)
            finally:
                solver_seconds[0] += time.perf_counter() - started

        return run

    for name, solver in originals.items():
        setattr(assignment, name, timed(solver))
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        result = assign_reviewers(reviewers, submissions, args.per_application, blocked=blocked)
    finally:
        total_s = time.perf_counter() - started
        total_cpu_s = time.process_time() - started_cpu
        for name, solver in originals.items():
            setattr(assignment, name, solver)
    log("solved in %.2fs (solver %.2fs)", total_s, solver_seconds[0])

    started = time.perf_counter()
    greedy = greedy_reviewers(reviewers, submissions, args.per_application, blocked=blocked)
    greedy_s = time.perf_counter() - started

    tracemalloc.start()
    assign_reviewers(reviewers, submissions, args.per_application, blocked=blocked)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    reviewer_by_id = {r.id: r for r in reviewers}
    submission_by_id = {s.id: s for s in submissions}
    conflicts = sum(
        1
        for pair in result.pairs
        if review_blocked(reviewer_by_id[pair.reviewer_id], submission_by_id[pair.application_id], blocked)
    )
    loads = list(result.loads(reviewers).values())
    fit = result.total / max(1, len(result.pairs))
    greedy_fit = greedy.total / max(1, len(greedy.pairs))
    figures = {
        "applications": len(submissions),
        "reviewers": len(reviewers),
        "per_application": args.per_application,
        "blocked_pairs": len(blocked),
        "pairs": len(result.pairs),
        "total_s": round(total_s, 3),
        "total_cpu_s": round(total_cpu_s, 3),
        "solver_only_s": round(solver_seconds[0], 3),
        "greedy_s": round(greedy_s, 3),
        "peak_mb": round(peak / 1e6, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_min": min(loads),
        "load_max": max(loads),
        "load_spread": max(loads) - min(loads),
        "conflicts_assigned": conflicts,
        "short": sum(result.short.values()),
        "greedy_short": sum(greedy.short.values()),
        "expertise_fit": round(fit, 3),
        "greedy_expertise_fit": round(greedy_fit, 3),
    }
    figures["ok"] = figures["load_spread"] <= 1 and conflicts == 0 and figures["short"] == 0 and fit >= greedy_fit
    emit_json(figures)
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
