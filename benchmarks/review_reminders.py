"""Reviewer reminder planning at scale: `review_reminders_plan()` for one phase with 200 reviewers,
5,000 applications and 3 reviews each (15,000 reviews, a third of them already scored).

    .venv/bin/python benchmarks/review_reminders.py            # 200 reviewers, 5,000 applications
    .venv/bin/python benchmarks/review_reminders.py --small    # 20 reviewers, 300 applications

The phase's review deadline is 23 hours away, so the 1-day offset is current and the 3-day one is
covered with it: every reviewer with a pending review gets one email and two `ReviewReminder`
rows. A first, one-reviewer phase is planned before (not timed), so that the timed run finds the
templates, catalogs and broker connection loaded, as a long-running beat worker does. Then
`review_reminders_plan()` runs once, timed, with its queries counted (the emails are handed to
the benchmark's own Redis; no worker consumes them), then a second time, which must queue nothing.

Prints ONE JSON object on stdout (`planning_s`, `queries`, `queries_ms` (the database's share,
the rest is rendering the email once per language and handing it to the broker), `reminders_queued`,
`second_run_queued`, ...); logs go to stderr. The database and the Redis server are cleaned up
even on failure or Ctrl-C (`--keep-db` keeps the database).
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_review_reminders"


def run_review_reminders(*, reviewers: list, applicants: list, per_application: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, CohortStatus, ReviewState, TrackKind
    from cohorts.models import Application, Cohort, Phase, Program, ReviewAssignment, ReviewReminder, Track
    from cohorts.services.review_reminders import review_reminders_plan
    from incubator.models import OutboundEmail

    now = timezone.now()
    program = Program.objects.create(name="Social Incubator", slug="review-reminder-program")
    cohort = Cohort.objects.create(
        program=program,
        number=1,
        name="รุ่นที่ 5",
        slug="review-reminder-cohort",
        status=CohortStatus.CLOSED,
        applications_open_at=now - timedelta(days=40),
        applications_close_at=now - timedelta(days=10),
    )
    tracks = [Track.objects.create(cohort=cohort, kind=kind, name=str(label)) for kind, label in TrackKind.choices]
    # Warm up as a beat worker is warm: templates, catalogs and the broker connection loaded by
    # a first phase with one reviewer (its reminder is not counted).
    warm = Phase.objects.create(cohort=cohort, order=1, name="อุ่นเครื่อง", review_deadline=now + timedelta(hours=23))
    warm_application = Application.objects.create(
        cohort=cohort, track=tracks[0], applicant=applicants[-1], status=ApplicationStatus.SUBMITTED, phase=warm
    )
    ReviewAssignment.objects.create(application=warm_application, phase=warm, reviewer=reviewers[0])
    review_reminders_plan()
    Phase.objects.filter(pk=warm.pk).update(review_deadline=now - timedelta(hours=1))  # out of the way
    phase = Phase.objects.create(
        cohort=cohort, order=2, name="รอบพิจารณา", review_deadline=now + timedelta(hours=23), reminder_days=[3, 1]
    )
    started = time.perf_counter()
    applications = Application.objects.bulk_create(
        [
            Application(
                cohort=cohort,
                phase=phase,
                track=tracks[n % 3],
                applicant=applicant,
                status=ApplicationStatus.SUBMITTED,
                submitted_at=now - timedelta(days=11),
                motivation=MOTIVATION,
            )
            for n, applicant in enumerate(applicants[:-1])
        ],
        batch_size=5000,
    )
    reviews = []
    for n, application in enumerate(applications):
        for k in range(per_application):
            reviewer = reviewers[(n * per_application + k) % len(reviewers)]
            state = ReviewState.COMPLETED if (n + k) % 3 == 0 else ReviewState.PENDING
            reviews.append(ReviewAssignment(application=application, phase=phase, reviewer=reviewer, state=state))
    ReviewAssignment.objects.bulk_create(reviews, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seed_s = time.perf_counter() - started
    due = len({review.reviewer_id for review in reviews if review.state == ReviewState.PENDING})
    log("review reminders: %s reviews seeded in %.1fs; planning", len(reviews), seed_s)

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        queued = review_reminders_plan()
        planning_s = time.perf_counter() - started
    started = time.perf_counter()
    queued_again = review_reminders_plan()
    second_s = time.perf_counter() - started
    return {
        "reviewers": len(reviewers),
        "applications": len(applications),
        "reviews": len(reviews),
        "reviewers_with_pending": due,
        "seed_s": round(seed_s, 1),
        "reminders_queued": queued,
        "planning_s": round(planning_s, 3),
        "queries": len(captured),
        "queries_ms": round(sum(float(query.get("time") or 0) for query in captured.captured_queries) * 1000),
        "slowest_queries": slowest_queries(captured.captured_queries),
        "second_run_queued": queued_again,
        "second_run_s": round(second_s, 3),
        "outbox_rows": OutboundEmail.objects.filter(key__startswith=f"review-reminder:{phase.pk}:").count(),
        "review_reminder_rows": ReviewReminder.objects.filter(phase=phase).count(),
        "outbox_rows_all": OutboundEmail.objects.count(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--per-application", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default="", help="use this Redis db (and the next, flushed) instead of starting one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"reviewers": 20, "applications": 300})
    if args.reviewers < 1 or args.applications < 1 or not 1 <= args.per_application <= args.reviewers:
        parser.error("--reviewers and --applications must be positive, --per-application at most --reviewers")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "review_reminders",
        "reviewers": args.reviewers,
        "applications": args.applications,
        "planning_s": None,
        "queries": None,
        "reminders_queued": None,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    with (
        reported(result),
        BenchEnvironment(database_url=args.database_url, redis_url=args.redis_url, keep_db=args.keep_db),
    ):
        password = shared_password_hash()
        reviewers = make_users(prefix="reviewer", count=args.reviewers, password=password)
        applicants = make_users(prefix="applicant", count=args.applications + 1, password=password)
        figures = run_review_reminders(reviewers=reviewers, applicants=applicants, per_application=args.per_application)
        result.update(
            planning_s=figures["planning_s"],
            queries=figures["queries"],
            reminders_queued=figures["reminders_queued"],
            review_reminders=figures,
        )
        log(
            "review reminders: %s queued in %ss, %s queries",
            figures["reminders_queued"],
            figures["planning_s"],
            figures["queries"],
        )
        result["ok"] = (
            figures["reminders_queued"] == figures["reviewers_with_pending"]
            and figures["second_run_queued"] == 0
            and figures["outbox_rows"] == figures["reminders_queued"]
            and figures["review_reminder_rows"] == 2 * figures["reminders_queued"]
        )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
