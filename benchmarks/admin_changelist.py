"""The admin's applications changelist at scale: 100,000 applications, as a superuser and as
one program's staff member.

    .venv/bin/python benchmarks/admin_changelist.py                 # 100,000 applications (2-4 min)
    .venv/bin/python benchmarks/admin_changelist.py --rows 2000     # smoke test

Ten closed cohorts in three programs, organisations in all 77 provinces, two completed reviews
with scores on a fifth of the applications. In-process, with Django's test client in production
mode (`DJANGO_DEBUG=false`, static files collected into a scratch directory): the plain list
`--requests` times, and a cohort+status filter, a search, a province filter and a deep page
`--variant-requests` times each, per user. Per variant: ms, queries, the three slowest queries
and `EXPLAIN ANALYZE` of the slowest (execution, planning and JIT ms).

Prints ONE JSON object on stdout; logs go to stderr. The database (and the Redis server the
benchmark starts for the cache) are cleaned up even on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    FIRST_NAMES,
    BenchEnvironment,
    explain,
    loadavg,
    log,
    make_users,
    org_fields,
    parse_with_small,
    percentiles,
    postgres_set,
    redact_url,
    reported,
    shared_password_hash,
    slowest_queries,
    stop_on_signals,
    track_fields,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_changelist"
SETTINGS_MODULE = "benchmarks.rush_settings"


def seed_changelist(*, rows: int, users: list, reviewers: list, program_count: int = 3, cohorts: int = 10) -> dict:
    """`rows` applications over `cohorts` closed cohorts in `program_count` programs, with
    organisations in every province and completed reviews for a fifth of them."""
    from decimal import Decimal

    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, CohortStatus, ReviewState, TrackKind
    from cohorts.models import Application, Cohort, Criterion, Organisation, Program, ReviewAssignment, Score, Track

    now = timezone.now()
    programs = [
        Program.objects.create(name=f"โครงการบ่มเพาะ {p}", name_en=f"Incubator {p}", slug=f"scale-program-{p}")
        for p in range(program_count)
    ]
    cohort_objs, tracks, criteria = [], {}, {}
    for c in range(cohorts):
        close = now - timedelta(days=30 * (c + 1))
        cohort = Cohort.objects.create(
            program=programs[c % program_count],
            number=c + 1,
            name=f"รุ่นที่ {c + 1}",
            slug=f"scale-cohort-{c}",
            status=CohortStatus.CLOSED,
            applications_open_at=close - timedelta(days=45),
            applications_close_at=close,
        )
        cohort_objs.append(cohort)
        tracks[cohort.pk] = [
            Track.objects.create(cohort=cohort, kind=kind, name=str(label)) for kind, label in TrackKind.choices
        ]
        criteria[cohort.pk] = Criterion.objects.bulk_create(
            [
                Criterion(cohort=cohort, order=i, name=f"เกณฑ์ {i}", weight=Decimal(1 + i % 2), min_score=1, max_score=5)
                for i in range(4)
            ]
        )
    org_count = max(1, min(rows // 3, 30_000))
    organisations = Organisation.objects.bulk_create(
        [Organisation(**org_fields(n)) for n in range(org_count)], batch_size=5000
    )
    per_cohort = -(-rows // cohorts)
    if per_cohort > len(users):
        raise ValueError(f"{rows} rows over {cohorts} cohorts need {per_cohort} applicants, have {len(users)}")
    status_cycle = (
        [ApplicationStatus.SUBMITTED] * 8
        + [ApplicationStatus.UNDER_REVIEW] * 5
        + [ApplicationStatus.SHORTLISTED] * 2
        + [ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED]
        + [ApplicationStatus.REJECTED] * 2
        + [ApplicationStatus.WITHDRAWN]
    )
    made = 0
    reviewed: list[tuple[int, int]] = []  # (application id, cohort id)
    batch = 5000
    for start in range(0, rows, batch):
        chunk = []
        for n in range(start, min(start + batch, rows)):
            cohort = cohort_objs[n % cohorts]
            track = tracks[cohort.pk][n % 3]
            status = status_cycle[n % len(status_cycle)]
            chunk.append(
                Application(
                    cohort=cohort,
                    track=track,
                    applicant=users[n // cohorts],
                    organisation=organisations[n % org_count] if track.kind == TrackKind.ORGANISATION else None,
                    status=status,
                    submitted_at=cohort.applications_close_at - timedelta(minutes=n % 10_000),
                    consent_version="1.0",
                    consented_at=cohort.applications_close_at - timedelta(days=1),
                    **track_fields(track.kind, n),
                )
            )
        created = Application.objects.bulk_create(chunk, batch_size=batch)
        made += len(created)
        reviewed += [(a.pk, a.cohort_id) for i, a in enumerate(created) if (start + i) % 5 == 0]
    # Two completed reviews with scores on every criterion for a fifth of the applications.
    for start in range(0, len(reviewed), 2500):
        part = reviewed[start : start + 2500]
        assignments = ReviewAssignment.objects.bulk_create(
            [
                ReviewAssignment(
                    application_id=pk,
                    reviewer=reviewers[(pk + r) % len(reviewers)],
                    state=ReviewState.COMPLETED,
                    completed_at=now,
                )
                for pk, _cohort in part
                for r in range(2)
            ],
            batch_size=5000,
        )
        cohort_of = dict(part)
        Score.objects.bulk_create(
            [
                Score(review=assignment, criterion=criterion, score=1 + (assignment.pk + criterion.pk) % 5)
                for assignment in assignments
                for criterion in criteria[cohort_of[assignment.application_id]]
            ],
            batch_size=5000,
        )
    return {"programs": programs, "cohorts": cohort_objs, "rows": made, "reviewed": len(reviewed)}


def measure_changelist(*, user, variants: dict[str, str], repeats: int, other_repeats: int) -> dict:
    """GET the first variant `repeats` times and the others `other_repeats` times (each after one
    warm-up) as `user`: ms and queries per variant, and the slowest query of each explained."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    out: dict = {}
    all_ms: list[float] = []
    max_queries = 0
    for position, (name, url) in enumerate(variants.items()):
        warm = client.get(url)
        if warm.status_code != 200:
            raise RuntimeError(f"changelist {name} answered {warm.status_code}")
        ms, queries, slowest = [], [], []
        for _ in range(repeats if position == 0 else other_repeats):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"changelist {name} answered {response.status_code}")
            queries.append(len(captured))
            slowest = slowest_queries(captured.captured_queries)
        all_ms += ms
        max_queries = max(max_queries, *queries)
        worst = max(captured.captured_queries, key=lambda q: float(q.get("time") or 0))
        out[name] = {
            "url": url,
            "ms": percentiles(ms),
            "queries": sorted(set(queries)),
            "rows_shown": response.content.count(b'name="_selected_action"'),
            "slowest_queries": slowest,
            "slowest_explained": explain(worst["sql"]),
        }
    out["all"] = {
        "ms": percentiles(all_ms),
        "max_queries": max_queries,
        "worst_variant_p95_ms": max(v["ms"]["p95"] for v in out.values()),
    }
    return out


def run_changelist(*, rows: int, repeats: int, other_repeats: int, users: list, password: str) -> dict:
    from cohorts.models import Application
    from cohorts.services.reviews import staff_grant_program_role
    from incubator.models import User

    started = time.perf_counter()
    reviewers = make_users(prefix="reviewer", count=20, password=password)
    world = seed_changelist(rows=rows, users=users, reviewers=reviewers)
    superuser = User.objects.create(email="admin@example.org", is_staff=True, is_superuser=True, password=password)
    staff = User.objects.create(email="staff@example.org", full_name="เจ้าหน้าที่โครงการ", password=password)
    staff_grant_program_role(user=staff, program=world["programs"][0])
    staff.refresh_from_db()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seed_s = time.perf_counter() - started
    total = Application.objects.count()
    log("changelist: %s applications in the table (seeded in %.1fs)", total, seed_s)

    base = "/admin/cohorts/application/"
    cohort = world["cohorts"][0]
    search_name = FIRST_NAMES[3]

    def variants(visible: int) -> dict[str, str]:
        deep_page = max(1, min(20, -(-visible // 50)))  # the admin shows 50 a page; p is 1-based
        return {
            "plain": base,
            "filtered": f"{base}?cohort={cohort.pk}&status=submitted",
            "search": f"{base}?q={search_name}",
            "province": f"{base}?province=TH-82",
            f"page_{deep_page}": f"{base}?p={deep_page}",
        }

    staff_visible = Application.objects.filter(cohort__program=world["programs"][0]).count()
    counts = {"repeats": repeats, "other_repeats": other_repeats}
    as_superuser = measure_changelist(user=superuser, variants=variants(total), **counts)
    as_staff = measure_changelist(user=staff, variants=variants(staff_visible), **counts)
    return {
        "applications_in_table": total,
        "seed_s": round(seed_s, 1),
        "reviewed_applications": world["reviewed"],
        "requests": {"plain": repeats, "each_other_variant": other_repeats},
        "staff_program_applications": staff_visible,
        "superuser": as_superuser,
        "program_staff": as_staff,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000, help="applications in the table (default 100000)")
    parser.add_argument("--requests", type=int, default=21, help="GETs of the plain list per user (default 21)")
    parser.add_argument(
        "--variant-requests", type=int, default=5, help="GETs of each filtered, searched or paged list per user"
    )
    parser.add_argument(
        "--pg-jit",
        choices=["server", "off"],
        default="server",
        help="PostgreSQL JIT for this database: the server's setting (default) or off (ALTER DATABASE ... SET jit)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default="", help="use this Redis db (and the next, flushed) instead of starting one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"rows": 500, "requests": 3, "variant_requests": 2})
    if min(args.rows, args.requests, args.variant_requests) < 1:
        parser.error("sizes must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "admin_changelist",
        "rows": args.rows,
        "changelist_p95_ms": None,
        "changelist_queries": None,
        "database": redact_url(args.database_url),
        "postgres_jit": args.pg_jit,
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        settings_module=SETTINGS_MODULE,
        collect_static=True,
        keep_db=args.keep_db,
        extra_env={"SECURE_SSL_REDIRECT": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"},
    )
    with reported(result), environment:
        if args.pg_jit == "off":
            postgres_set(args.database_url, "jit", "off")
        password = shared_password_hash()
        started = time.perf_counter()
        users = make_users(prefix="person", count=-(-args.rows // 10), password=password)
        result["seed_people_s"] = round(time.perf_counter() - started, 1)
        changelist = run_changelist(
            rows=args.rows,
            repeats=args.requests,
            other_repeats=args.variant_requests,
            users=users,
            password=password,
        )
        superuser, staff = changelist["superuser"], changelist["program_staff"]
        result.update(
            {
                "changelist_p95_ms": superuser["plain"]["ms"]["p95"],
                "changelist_queries": superuser["all"]["max_queries"],
                "changelist_worst_variant_p95_ms": superuser["all"]["worst_variant_p95_ms"],
                "changelist_staff_p95_ms": staff["plain"]["ms"]["p95"],
                "changelist_staff_queries": staff["all"]["max_queries"],
                "changelist_staff_worst_variant_p95_ms": staff["all"]["worst_variant_p95_ms"],
                "changelist": changelist,
            }
        )
        log("changelist: p95 %s ms, %s queries", result["changelist_p95_ms"], result["changelist_queries"])
        result["ok"] = True
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
