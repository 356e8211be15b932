"""Reminder planning at scale: `reminders_plan()` for 100,000 drafts in one call.

    .venv/bin/python benchmarks/reminder_planning.py                  # 100,000 drafts (about 1 min)
    .venv/bin/python benchmarks/reminder_planning.py --drafts 2000    # smoke test

One open call closes in two hours (so the 3-hour offset is open and the 168 and 24-hour ones
are covered with it); `--drafts` people hold a draft each. `reminders_plan()` runs once, timed,
with its queries counted and the time spent handing the emails to the broker (the benchmark's
own Redis; no worker consumes them), then a second time, which must queue nothing.

Prints ONE JSON object on stdout; logs go to stderr. The database and the Redis server are
cleaned up even on failure or Ctrl-C (`--keep-db` keeps the database).
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
    MOTIVATION,
    BenchEnvironment,
    loadavg,
    log,
    make_users,
    parse_with_small,
    redact_url,
    reported,
    shared_password_hash,
    slowest_queries,
    stop_on_signals,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_reminders"


def run_reminders(*, drafts: int, users: list) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, CohortStatus, TrackKind
    from cohorts.models import Application, Cohort, DeadlineReminder, Program, Track
    from cohorts.services import reminders
    from incubator import tasks
    from incubator.models import OutboundEmail

    if drafts > len(users):
        raise ValueError(f"{drafts} drafts need {drafts} applicants, have {len(users)}")
    now = timezone.now()
    program = Program.objects.create(name="Intrapreneur for Change", slug="reminder-program")
    cohort = Cohort.objects.create(
        program=program,
        number=1,
        name="รุ่นที่ 4",
        slug="reminder-cohort",
        status=CohortStatus.OPEN,
        applications_open_at=now - timedelta(days=20),
        applications_close_at=now + timedelta(hours=2),
    )
    tracks = [Track.objects.create(cohort=cohort, kind=kind, name=str(label)) for kind, label in TrackKind.choices]
    started = time.perf_counter()
    for start in range(0, drafts, 5000):
        Application.objects.bulk_create(
            [
                Application(
                    cohort=cohort,
                    track=tracks[n % 3],
                    applicant=users[n],
                    status=ApplicationStatus.DRAFT,
                    motivation=MOTIVATION,
                )
                for n in range(start, min(start + 5000, drafts))
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seed_s = time.perf_counter() - started
    log("reminders: %s drafts seeded in %.1fs; planning", drafts, seed_s)

    # Count the time spent handing the emails to the broker (on commit, inside reminders_plan).
    publish = {"s": 0.0, "calls": 0, "emails": 0}
    original = tasks.publish

    def timed_publish(email_ids):
        begun = time.perf_counter()
        try:
            return original(email_ids)
        finally:
            publish["s"] += time.perf_counter() - begun
            publish["calls"] += 1
            publish["emails"] += len(email_ids)

    tasks.publish = timed_publish
    try:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            queued = reminders.reminders_plan()
            planning_s = time.perf_counter() - started
        started = time.perf_counter()
        queued_again = reminders.reminders_plan()
        second_s = time.perf_counter() - started
    finally:
        tasks.publish = original
    keys = OutboundEmail.objects.filter(key__startswith="deadline-reminder:")
    return {
        "drafts": drafts,
        "seed_s": round(seed_s, 1),
        "reminders_queued": queued,
        "planning_s": round(planning_s, 2),
        "broker_publish_s": round(publish["s"], 2),
        "publish_calls": publish["calls"],
        "emails_published": publish["emails"],
        "broker_messages": -(-publish["emails"] // tasks.PUBLISH_BATCH),
        "planning_without_publish_s": round(planning_s - publish["s"], 2),
        "queries": len(captured),
        "slowest_queries": slowest_queries(captured.captured_queries),
        "ms_by_statement": _ms_by_statement(captured.captured_queries),
        "second_run_queued": queued_again,
        "second_run_s": round(second_s, 2),
        "outbox_rows": keys.count(),
        "deadline_reminder_rows": DeadlineReminder.objects.filter(application__cohort=cohort).count(),
    }


def _ms_by_statement(queries: list[dict]) -> dict[str, float]:
    """Milliseconds per kind of statement (its first words and table), largest first."""
    totals: dict[str, float] = {}
    for query in queries:
        words = query["sql"].split()
        kind = " ".join(words[:3]) if words[:1] == ["INSERT"] else " ".join(words[:1])
        totals[kind] = totals.get(kind, 0.0) + float(query.get("time") or 0) * 1000
    return {kind: round(ms) for kind, ms in sorted(totals.items(), key=lambda item: -item[1])}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--drafts", type=int, default=100_000, help="drafts to remind (default 100000)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default="", help="use this Redis db (and the next, flushed) instead of starting one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"drafts": 500})
    if args.drafts < 1:
        parser.error("--drafts must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "reminder_planning",
        "drafts": args.drafts,
        "reminder_planning_s": None,
        "reminders_queued": None,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    with (
        reported(result),
        BenchEnvironment(database_url=args.database_url, redis_url=args.redis_url, keep_db=args.keep_db),
    ):
        started = time.perf_counter()
        users = make_users(prefix="person", count=args.drafts, password=shared_password_hash())
        result["seed_people_s"] = round(time.perf_counter() - started, 1)
        reminders = run_reminders(drafts=args.drafts, users=users)
        result["reminder_planning_s"] = reminders["planning_s"]
        result["reminders_queued"] = reminders["reminders_queued"]
        result["reminders"] = reminders
        log("reminders: %s queued in %ss", reminders["reminders_queued"], reminders["planning_s"])
        result["ok"] = reminders["reminders_queued"] == args.drafts and reminders["second_run_queued"] == 0
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
