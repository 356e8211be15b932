"""The staff visits list and a coach's workspace at 50,000 visits.

    .venv/bin/python benchmarks/visits.py                 # 50,000 visits (about a minute)
    .venv/bin/python benchmarks/visits.py --visits 5000   # a quicker run
    .venv/bin/python benchmarks/visits.py --small         # CI smoke run (500 visits, 3 requests)

Creates a scratch PostgreSQL database (--database-url or BENCH_DATABASE_URL, name must contain
"bench"; default incubator_bench_visits), migrates it, starts a Redis of its own, collects the
static files into a scratch directory (production settings: whitenoise's manifest), bulk-
inserts one program with a running cohort, 400 organisations with their leaders, 200 coaches,
400 confirmed pairs, the visits (spread over a year) and an action for every other visit; then
requests the pages in-process (Django test client, production settings) as a program staff
member (/coaching/visits/, first page and a filtered one) and as a coach with two pairs
(/coaching/), and reports p50/p95 in ms and the queries per request. Drops the database at the
end, even on failure. One JSON object on stdout; exit 1 when a page does not answer 200 or
anything else fails.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import date, timedelta
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_visits"


def seed(n_visits: int) -> dict:
    from django.utils import timezone

    from coaching.models import ActionItem, CoachProfile, Match, Visit
    from cohorts.models import Cohort, Organisation, Participant, Program
    from incubator.geo import PROVINCES
    from incubator.models import User

    rng = random.Random(3)
    now = timezone.now()
    program = Program.objects.create(name="โครงการ", slug="bench")
    cohort = Cohort.objects.create(
        program=program, number=1, name="รุ่น 1", slug="bench-1", status="running",
        applications_open_at=now - timedelta(days=400), applications_close_at=now - timedelta(days=300),
    )  # fmt: skip
    staff = User.objects.create_user("staff@bench.local", "x", is_staff=True)
    program.staff.add(staff)
    coaches = User.objects.bulk_create([User(email=f"coach{i}@bench.local") for i in range(200)])
    leaders = User.objects.bulk_create([User(email=f"leader{i}@bench.local") for i in range(400)])
    profiles = CoachProfile.objects.bulk_create([CoachProfile(user=u, capacity=2) for u in coaches])
    for p in profiles:
        p.cohorts.add(cohort)
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(name=f"องค์กร {i}", kind="ngo", province=(pv := rng.choice(PROVINCES)).code, region=pv.region)
            for i in range(400)
        ]
    )
    Participant.objects.bulk_create(
        [
            Participant(cohort=cohort, user=u, role="organisation_leader", organisation=o)
            for u, o in zip(leaders, orgs, strict=True)
        ]
    )
    matches = Match.objects.bulk_create(
        [
            Match(cohort=cohort, coach=profiles[i // 2], organisation=o, status="confirmed", confirmed_at=now)
            for i, o in enumerate(orgs)
        ]
    )
    start = date(2025, 12, 1)
    batch = []
    for i in range(n_visits):
        m = matches[i % len(matches)]
        batch.append(
            Visit(
                match=m, author_id=m.coach.user_id, client_id=uuid.uuid4(), status="submitted",
                visited_on=start + timedelta(days=rng.randrange(365)), mode="on_site", phase="strategy",
                province=m.organisation.province, observations="สังเกตการณ์ในพื้นที่ " * 10, submitted_at=now,
            )
        )  # fmt: skip
        if len(batch) == 5000:
            Visit.objects.bulk_create(batch)
            batch = []
    Visit.objects.bulk_create(batch)
    visit_ids = list(Visit.objects.values_list("pk", "match_id")[: n_visits // 2])
    ActionItem.objects.bulk_create(
        [ActionItem(match_id=mid, visit_id=vid, title="ติดตามงาน", due_on=start) for vid, mid in visit_ids],
        batch_size=5000,
    )
    return {"staff": staff, "coach": coaches[0], "province": matches[0].organisation.province}


def measure(client, url: str, requests: int) -> tuple[dict, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    queries = 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries = len(captured)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    log("%s: slowest query %ss: %s", url, slowest["time"], slowest["sql"][:300])
    return percentiles(timings[1:] or timings), queries


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=50_000, help="visits in the table (default 50000)")
    parser.add_argument("--requests", type=int, default=21, help="GETs per page (default 21)")
    parser.add_argument("--explain", action="store_true", help="log the list query's plan (EXPLAIN ANALYZE)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default="", help="use this Redis db (and the next, flushed) instead of starting one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"visits": 500, "requests": 3})
    if min(args.visits, args.requests) < 1:
        parser.error("sizes must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "visits",
        "visits": args.visits,
        "staff_list_p95_ms": None,
        "workspace_p95_ms": None,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    # Production settings as deployed: the static files are collected into a scratch directory
    # before Django sets up, so that whitenoise's manifest has every entry the pages name.
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

        log("seeding %s visits", args.visits)
        started = time.perf_counter()
        people = seed(args.visits)
        result["seed_s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
            cursor.execute("ANALYZE")
        staff, coach = Client(), Client()
        staff.force_login(people["staff"])
        coach.force_login(people["coach"])
        if args.explain:
            from coaching.selectors import LIST_DEFERRED, visits_for_reader

            visits = visits_for_reader(people["staff"]).defer(*LIST_DEFERRED)[:50]
            log("list plan:\n%s", visits.explain(analyze=True))
        log("measuring")
        staff_list, staff_queries = measure(staff, "/coaching/visits/", args.requests)
        filtered, filtered_queries = measure(
            staff, f"/coaching/visits/?province={people['province']}&phase=strategy", args.requests
        )
        workspace, workspace_queries = measure(coach, "/coaching/", args.requests)
        result.update(
            {
                "staff_list_p50_ms": staff_list["p50"],
                "staff_list_p95_ms": staff_list["p95"],
                "staff_list_queries": staff_queries,
                "staff_list_filtered_p95_ms": filtered["p95"],
                "staff_list_filtered_queries": filtered_queries,
                "workspace_p50_ms": workspace["p50"],
                "workspace_p95_ms": workspace["p95"],
                "workspace_queries": workspace_queries,
            }
        )
        result["ok"] = True
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
