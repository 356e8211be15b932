"""The cost of issue 12's pieces that grow with data: the menu's roles loaded with every signed-in
request, and the staff page of planned session reminders.

    .venv/bin/python benchmarks/roles_and_reminders_page.py                     # 50,000 people (about 1 min)
    .venv/bin/python benchmarks/roles_and_reminders_page.py --people 2000       # a quicker run
    .venv/bin/python benchmarks/roles_and_reminders_page.py --small             # CI smoke run (500 people, 10 coming)

- Roles: `--people` people, each an active participant of one of 50 cohorts (every fifth an
  organisation leader), every tenth with a review assignment and every twentieth with a coach
  profile. Times `users_with_roles().get(pk=...)` (what the auth backends run once per request)
  against a plain `User.objects.get(pk=...)`, for 500 people picked across the table; reports
  p50/p95 in ms, the extra per request and the query count (must be one).
- Reminders page: one series of 3 workshops x 4 sessions, `--series-people` coming to every
  session, 3 offsets each, the 7-day reminders already sent (SessionReminder rows); times
  `session_reminder_plan()` (the page's data) and counts its queries (must not grow).

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
    BenchEnvironment,
    loadavg,
    log,
    make_users,
    parse_with_small,
    percentiles,
    redact_url,
    reported,
    shared_password_hash,
    stop_on_signals,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_roles"


def seed_people(users: list) -> list:
    from django.utils import timezone

    from coaching.models import CoachProfile
    from cohorts.enums import ApplicationStatus, CohortStatus, ParticipantRole, TrackKind
    from cohorts.models import Application, Cohort, Participant, Program, ReviewAssignment, Track

    now = timezone.now()
    program = Program.objects.create(name="Social Incubator", slug="roles-program")
    cohorts = [
        Cohort.objects.create(
            program=program,
            number=n + 1,
            name=f"รุ่นที่ {n + 1}",
            slug=f"roles-{n}",
            status=CohortStatus.RUNNING,
            applications_open_at=now - timedelta(days=60),
            applications_close_at=now - timedelta(days=30),
        )
        for n in range(50)
    ]
    Participant.objects.bulk_create(
        [
            Participant(
                cohort=cohorts[n % 50],
                user=user,
                role=ParticipantRole.ORGANISATION_LEADER if n % 5 == 0 else ParticipantRole.INTRAPRENEUR,
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    track = Track.objects.create(cohort=cohorts[0], kind=TrackKind.ORGANISATION, name="องค์กร")
    applications = Application.objects.bulk_create(
        [
            Application(cohort=cohorts[0], track=track, applicant=users[n], status=ApplicationStatus.SUBMITTED)
            for n in range(0, len(users), 10)
        ],
        batch_size=5000,
    )
    ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(application=application, reviewer=users[(n * 10 + 3) % len(users)])
            for n, application in enumerate(applications)
        ],
        batch_size=5000,
    )
    CoachProfile.objects.bulk_create([CoachProfile(user=users[n]) for n in range(0, len(users), 20)], batch_size=5000)
    return cohorts


def time_roles(users: list, samples: int = 500) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incubator.models import User
    from incubator.roles import users_with_roles

    step = max(1, len(users) // samples)
    picked = [users[n].pk for n in range(0, len(users), step)][:samples]
    plain, with_roles = [], []
    for pk in picked:  # warm both paths once
        User.objects.get(pk=pk)
        users_with_roles().get(pk=pk)
        break
    for pk in picked:
        started = time.perf_counter()
        User.objects.get(pk=pk)
        plain.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        users_with_roles().get(pk=pk)
        with_roles.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        user = users_with_roles().get(pk=picked[0])
    plain_p = percentiles(plain)
    roles_p = percentiles(with_roles)
    return {
        "samples": len(picked),
        "plain_get_ms": plain_p,
        "get_with_roles_ms": roles_p,
        "extra_per_request_ms_p50": round(roles_p["p50"] - plain_p["p50"], 3),
        "queries": len(captured),
        "roles_of_first": {name: getattr(user, name) for name in dir(user) if name.startswith("has_role_")},
    }


def time_reminders_page(cohort, users: list, people: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cohorts.models import Participant
    from workshops.models import Registration, Session, SessionReminder
    from workshops.services.notices import session_reminder_plan
    from workshops.services.series import series_create_from_template

    series = series_create_from_template(cohort=cohort, starts_on=timezone.localdate() + timedelta(days=3))
    participants = list(Participant.objects.filter(cohort=cohort)[:people])
    workshops = list(series.workshops.all())
    Registration.objects.bulk_create(
        [Registration(workshop=w, participant=p, rsvp="yes") for w in workshops for p in participants],
        batch_size=5000,
        ignore_conflicts=True,
    )
    sessions = list(Session.objects.filter(workshop__series=series))
    SessionReminder.objects.bulk_create(
        [SessionReminder(session=s, participant=p, offset_hours=168) for s in sessions for p in participants],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings = []
    for _ in range(20):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            plans = session_reminder_plan(series=series)
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "sessions": len(sessions),
        "people_coming": len(participants),
        "reminder_rows": len(sessions) * len(participants),
        "plan_ms": percentiles(timings),
        "queries": len(captured),
        "sessions_listed": len(plans),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=50_000, help="participants (default 50000)")
    parser.add_argument("--series-people", type=int, default=1000, help="people coming to every session")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="", help="use this Redis db (and the next, flushed) instead")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"people": 500, "series_people": 10})
    if args.people < 100 or args.series_people < 1:
        parser.error("--people must be at least 100 and --series-people positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "roles_and_reminders_page",
        "people": args.people,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    with (
        reported(result),
        BenchEnvironment(database_url=args.database_url, redis_url=args.redis_url, keep_db=args.keep_db),
    ):
        started = time.perf_counter()
        users = make_users(prefix="member", count=args.people, password=shared_password_hash())
        cohorts = seed_people(users)
        result["seed_s"] = round(time.perf_counter() - started, 1)
        log("roles: %s people seeded in %ss", args.people, result["seed_s"])
        result["roles"] = time_roles(users)
        result["reminders_page"] = time_reminders_page(cohorts[0], users, args.series_people)
        result["ok"] = result["roles"]["queries"] == 1 and result["reminders_page"]["queries"] == 3
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
