"""Outcomes at the dashboard's scale: 20 cohorts x 60 organisations, 30,000 measurements.

    .venv/bin/python benchmarks/outcomes.py                          # 30,000 measurements (about a minute)
    .venv/bin/python benchmarks/outcomes.py --measurements 3000      # a quicker run
    .venv/bin/python benchmarks/outcomes.py --small                  # CI smoke run (3 x 10, 500 measurements)

Creates a scratch PostgreSQL database (--database-url or BENCH_DATABASE_URL, name must contain
"bench"; default incubator_bench_outcomes), migrates it, starts a Redis of its own, collects the
static files into a scratch directory (production settings: whitenoise's manifest), bulk-inserts
one program (its default indicators come with it), 20 cohorts of 60 organisations with their
leaders and the measurements (a quarter of them baselines, the rest worksheets, visits and staff
figures over a year); then times, for one cohort, the selectors the dashboard calls
(`cohort_outcomes_summary`, `organisation_changes`, `organisation_series`) and, in-process with
the Django test client (production settings), the organisation page as its leader and as program
staff, the staff's outcomes page (the choice of 20 cohorts) and one cohort's 60 organisations on
it; p50/p95 in ms and the queries of each. Drops the database at the end, even on failure. One
JSON object on stdout; exit 1 when a page does not answer 200 or anything else fails.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BenchEnvironment,
    loadavg,
    log,
    parse_with_small,
    percentiles,
    redact_url,
    reported,
    stop_on_signals,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_outcomes"
SOURCES = ["worksheet_before", "worksheet_after", "staff", "worksheet_after"]


def seed(*, cohorts: int, organisations: int, measurements: int) -> dict:
    from django.utils import timezone

    from cohorts.models import Cohort, Organisation, Participant, Program
    from incubator.models import User
    from outcomes.models import Indicator, Measurement

    rng = random.Random(13)
    now = timezone.now()
    program = Program.objects.create(name="โครงการ", slug="bench")  # the default indicators come with it
    indicators = list(Indicator.objects.filter(program=program))
    staff = User.objects.create_user("staff@bench.local", "x", is_staff=True)
    program.staff.add(staff)
    all_cohorts = Cohort.objects.bulk_create(
        [
            Cohort(
                program=program, number=n + 1, name=f"รุ่น {n + 1}", slug=f"bench-{n + 1}", status="completed",
                applications_open_at=now - timedelta(days=400 + n), applications_close_at=now - timedelta(days=300 + n),
            )
            for n in range(cohorts)
        ]
    )  # fmt: skip
    total = cohorts * organisations
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"องค์กร {i}", kind="ngo", province="TH-10", region="central") for i in range(total)]
    )
    leaders = User.objects.bulk_create([User(email=f"leader{i}@bench.local") for i in range(total)])
    Participant.objects.bulk_create(
        [
            Participant(cohort=all_cohorts[i // organisations], user=leaders[i], role="organisation_leader",
                        organisation=orgs[i])
            for i in range(total)
        ]
    )  # fmt: skip
    start = date(2025, 6, 1)
    rows = []
    for n in range(measurements):
        i = rng.randrange(total)
        indicator = rng.choice(indicators)
        baseline = n % 4 == 0
        rows.append(
            Measurement(
                indicator=indicator, cohort=all_cohorts[i // organisations], organisation=orgs[i],
                value=Decimal(rng.randrange(0, 5 if indicator.kind in ("scale", "stage", "yes_no") else 500)),
                measured_on=start + timedelta(days=0 if baseline else rng.randrange(1, 365)),
                source="baseline" if baseline else SOURCES[n % len(SOURCES)],
            )
        )  # fmt: skip
    Measurement.objects.bulk_create(rows, batch_size=5000)
    return {"staff": staff, "cohort": all_cohorts[0], "organisation": orgs[0], "leader": leaders[0]}


def timed(call, repeats: int) -> tuple[dict, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return percentiles(timings[1:] or timings), queries


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cohorts", type=int, default=20)
    parser.add_argument("--organisations", type=int, default=60, help="per cohort")
    parser.add_argument("--measurements", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=21)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="", help="use this Redis db (and the next, flushed) instead")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"cohorts": 3, "organisations": 10, "measurements": 500, "requests": 3})
    if min(args.cohorts, args.organisations, args.measurements, args.requests) < 1:
        parser.error("sizes must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "outcomes",
        "cohorts": args.cohorts,
        "organisations": args.cohorts * args.organisations,
        "measurements": args.measurements,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    # Production settings: the pages need whitenoise's manifest, collected before Django sets up.
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        collect_static=True,
        keep_db=args.keep_db,
        extra_env={"ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "false"},
    )
    with reported(result), environment:
        from django.db import connection
        from django.test import Client

        from outcomes import selectors

        log("seeding %s measurements", args.measurements)
        started = time.perf_counter()
        people = seed(cohorts=args.cohorts, organisations=args.organisations, measurements=args.measurements)
        seed_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        cohort, organisation = people["cohort"], people["organisation"]
        log("measuring")
        summary, summary_q = timed(lambda: selectors.cohort_outcomes_summary(cohort=cohort), args.requests)
        changes, changes_q = timed(lambda: selectors.organisation_changes(cohort=cohort), args.requests)
        series, series_q = timed(
            lambda: selectors.organisation_series(cohort=cohort, organisation=organisation), args.requests
        )
        staff, leader = Client(), Client()
        staff.force_login(people["staff"])
        leader.force_login(people["leader"])
        url = f"/outcomes/cohorts/{cohort.pk}/organisations/{organisation.pk}/"

        def get(client, path):
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")

        leader_page, leader_q = timed(lambda: get(leader, url), args.requests)
        staff_page, staff_q = timed(lambda: get(staff, url), args.requests)
        index, index_q = timed(lambda: get(staff, "/outcomes/"), args.requests)
        cohort_list, cohort_list_q = timed(lambda: get(staff, f"/outcomes/?cohort={cohort.pk}"), args.requests)
        result.update(
            {
                "seed_s": round(seed_s, 1),
                "summary_p95_ms": summary["p95"],
                "summary_queries": summary_q,
                "changes_p95_ms": changes["p95"],
                "changes_queries": changes_q,
                "series_p95_ms": series["p95"],
                "series_queries": series_q,
                "organisation_page_leader_p95_ms": leader_page["p95"],
                "organisation_page_leader_queries": leader_q,
                "organisation_page_staff_p95_ms": staff_page["p95"],
                "organisation_page_staff_queries": staff_q,
                "staff_index_p95_ms": index["p95"],
                "staff_index_queries": index_q,
                "staff_cohort_list_p95_ms": cohort_list["p95"],
                "staff_cohort_list_queries": cohort_list_q,
            }
        )
        result["ok"] = True
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
