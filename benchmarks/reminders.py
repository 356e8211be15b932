"""Session reminders at scale: planned by `session_reminders_plan`, sent through a real Celery
worker, Redis and a local SMTP sink, with the worker killed (`kill -9`) once mid-run and
restarted; plus the attendance list of a 500-person session.

    .venv/bin/python benchmarks/reminders.py                      # 280 cohorts x 30 x 12 = 100,800
    .venv/bin/python benchmarks/reminders.py --cohorts 10 --participants 10   # smoke test

Steps: a fresh database (its name must contain "bench"), migrated; a Redis server of its own
(`redis-server` on a free port; or `--redis-url`/`BENCH_REDIS_URL`, whose db and the next are
flushed).
`--cohorts` cohorts with `--participants` participants each get a series from the template
(3 workshops x 4 sessions), squeezed into the next seven days so that every session's 7-day
reminder is due at once: the worst beat run there is (the first after an outage). The planner
(set-based: INSERT ... SELECT for the sent-once rows and the emails) runs once (timed:
`plan_s`), then again at the same moment (a doubled beat run: must queue 0, `replan_s`). A
worker (prefork) sends through Redis to the sink; once a third of the emails have arrived it
is killed with SIGKILL and a new one started; a sweeper (as beat) re-dispatches
what the dead worker held. The run ends when every key has arrived (or `--timeout`).
`duplicates` = messages received - distinct keys; `lost` = reminders planned - distinct keys.
Before planning, no-op tasks measure the worker's ceiling (`noop_tasks_per_s`, same run, same settings).
Last, one cohort of `--attendance-people` people: the staff attendance page is fetched
`--attendance-requests` times in-process (Django test client): `attendance_p95_ms` and
`attendance_queries`.

Prints one JSON object; exit 0 when duplicates == lost == 0 and the replan queued nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BenchEnvironment,
    CeleryWorker,
    emit_json,
    free_port,
    log,
    parse_with_small,
    percentiles,
    rate,
    redact_url,
    wait_until,
)
from benchmarks.outbox import run_noop, start_sink

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_session_reminders"
PREFIX = "session-reminder"


def build(*, cohorts: int, participants: int) -> None:
    """Cohorts with participants and a series each, every session within the next 7 days."""
    from django.db import transaction
    from django.utils import timezone

    from cohorts.models import Cohort, Participant, Program
    from incubator.models import User
    from workshops.models import Session, Workshop
    from workshops.services.series import series_create_from_template

    now = timezone.now()
    program = Program.objects.create(name="โครงการทดสอบ", slug="bench")
    start_day = timezone.localdate() + timedelta(days=1)
    for c in range(cohorts):
        with transaction.atomic():
            cohort = Cohort.objects.create(
                program=program,
                number=c + 1,
                name=f"รุ่นที่ {c + 1}",
                slug=f"bench-{c}",
                status="running",
                applications_open_at=now - timedelta(days=90),
                applications_close_at=now - timedelta(days=60),
            )
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"p{c}-{n}@example.org",
                        full_name=f"ผู้เข้าร่วม {c}-{n}",
                        preferred_language="th" if n % 4 else "en",
                    )
                    for n in range(participants)
                ]
            )
            Participant.objects.bulk_create(
                [Participant(cohort=cohort, user=user, role="organisation_leader") for user in users]
            )
            # Three workshops two days apart: all 12 sessions inside the 7-day window.
            series = series_create_from_template(cohort=cohort, starts_on=start_day, weeks_apart=1)
            for workshop in Workshop.objects.filter(series=series):
                shift = timedelta(days=(workshop.order - 1) * 2) - timedelta(weeks=workshop.order - 1)
                Workshop.objects.filter(pk=workshop.pk).update(
                    starts_on=workshop.starts_on + shift, ends_on=workshop.ends_on + shift
                )
                for session in Session.objects.filter(workshop=workshop):
                    Session.objects.filter(pk=session.pk).update(
                        starts_at=session.starts_at + shift, ends_at=session.ends_at + shift
                    )
        if (c + 1) % 20 == 0:
            log("built %s cohorts", c + 1)


class Sweeper(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="sweeper", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self.recovered = 0
        self.dispatched = 0

    def run(self) -> None:
        from django.db import connection

        from incubator.tasks import outbox_sweep

        try:
            while not self.stopping.wait(self.interval):
                result = outbox_sweep()
                self.recovered += result["recovered"]
                self.dispatched += result["dispatched"]
                if result["recovered"] or result["dispatched"]:
                    log("sweep: %s", result)
        finally:
            connection.close()


def attendance_page(*, people: int, requests: int) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from cohorts.models import Cohort, Participant, Program
    from incubator.models import User
    from workshops.models import Attendance, Session
    from workshops.services.series import series_create_from_template

    now = timezone.now()
    program = Program.objects.get(slug="bench")
    cohort = Cohort.objects.create(
        program=program,
        number=100000,
        name="รุ่นใหญ่",
        slug="bench-big",
        status="running",
        applications_open_at=now - timedelta(days=90),
        applications_close_at=now - timedelta(days=60),
    )
    users = User.objects.bulk_create(
        [User(email=f"big-{n}@example.org", full_name=f"ผู้เข้าร่วม {n:03d}") for n in range(people)]
    )
    participants = Participant.objects.bulk_create(
        [Participant(cohort=cohort, user=user, role="organisation_leader") for user in users]
    )
    series = series_create_from_template(cohort=cohort, starts_on=timezone.localdate() + timedelta(days=60))
    session = Session.objects.filter(workshop__series=series).order_by("starts_at").first()
    Attendance.objects.bulk_create(
        [Attendance(session=session, participant=p, status="present") for p in participants[: people // 2]]
    )
    staff = User.objects.create(email="bench-staff@example.org", is_staff=True, is_superuser=True)
    # Pages render with plain static storage: the benchmark does not run collectstatic.
    override = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    override.enable()
    client = Client()
    client.force_login(staff)
    url = reverse("workshops:attendance", args=[session.pk])
    timings, queries = [], None
    for index in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        if index == 0:
            queries = len(captured.captured_queries)
            assert response.content.count(b'data-testid="person"') == people
    override.disable()
    return {"attendance_people": people, "attendance_queries": queries, "attendance_ms": percentiles(timings)}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cohorts", type=int, default=280)
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--noop", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--kill-at", type=float, default=1 / 3, help="fraction of emails arrived when the worker is killed"
    )
    parser.add_argument("--sweep-every", type=float, default=5.0)
    parser.add_argument(
        "--queued-grace-s",
        type=int,
        default=120,
        help="OUTBOX_QUEUED_GRACE_SECONDS: how old a queued email must be before the sweeper re-dispatches it "
        "(default 120, the project's; the killed worker's prefetched emails wait that long)",
    )
    parser.add_argument("--attendance-people", type=int, default=500)
    parser.add_argument("--attendance-requests", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="a Redis db to use (it and the next one are flushed); default: a redis-server of its own",
    )
    parser.add_argument("--keep-db", action="store_true")
    return parse_with_small(
        parser,
        argv,
        {
            "cohorts": 2,
            "participants": 5,
            "noop": 100,
            "attendance_people": 20,
            "attendance_requests": 3,
            "sweep_every": 2,
            "queued_grace_s": 10,
        },
    )


def _stop_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    result: dict = {
        "benchmark": "session_reminders",
        "cohorts": args.cohorts,
        "participants_per_cohort": args.participants,
        "sessions_per_cohort": 12,
        "reminders": None,
        "plan_s": None,
        "replan_queued": None,
        "replan_s": None,
        "emails_per_s": None,
        "noop_tasks_per_s": None,
        "attendance_p95_ms": None,
        "attendance_queries": None,
        "worker_killed": False,
        "duplicates": None,
        "lost": None,
        "database": redact_url(args.database_url),
        "broker": None,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    workers: list[CeleryWorker] = []
    controller = None
    sweeper = None
    ok = False
    port = free_port()
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        collect_static=True,  # the attendance page is rendered in production mode (manifest)
        keep_db=args.keep_db,
        extra_env={
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "OUTBOX_SENDING_TIMEOUT_SECONDS": "30",
            "OUTBOX_QUEUED_GRACE_SECONDS": str(args.queued_grace_s),
        },
    )
    try:
        environment.__enter__()
        env = environment.env
        result["broker"] = redact_url(environment.redis_url)
        result["broker_is_own_redis"] = environment.redis is not None
        from django.db import connection
        from django.db.models import Count

        from incubator.models import OutboundEmail
        from workshops.services.notices import session_reminders_plan

        log("building %s cohorts x %s participants", args.cohorts, args.participants)
        build(cohorts=args.cohorts, participants=args.participants)
        sink, controller = start_sink(port)

        # The worker's ceiling on this machine now: no-op tasks through the same Redis.
        ceiling = CeleryWorker(
            env=env, concurrency=args.concurrency, imports=["benchmarks.noop_tasks"], hostname="bench-noop@%h"
        )
        workers.append(ceiling.start())
        if run_noop(args.concurrency * 10, timeout=120)["timed_out"]:
            raise RuntimeError("the worker did not start consuming within 120s")
        noop = run_noop(args.noop, timeout=600)
        result["noop_tasks_per_s"] = noop["per_s"]
        log("no-op: %s tasks/s", noop["per_s"])
        ceiling.stop(grace=20)

        # Plan with no worker running, so that planning is timed alone; the dispatches wait in Redis.
        started = time.perf_counter()
        queued = session_reminders_plan()
        result["plan_s"] = round(time.perf_counter() - started, 2)
        result["reminders"] = queued
        log("planned %s reminders in %ss", queued, result["plan_s"])
        started = time.perf_counter()
        result["replan_queued"] = session_reminders_plan()
        result["replan_s"] = round(time.perf_counter() - started, 2)

        sweeper = Sweeper(args.sweep_every)
        sweeper.start()
        send_started = time.time()
        worker = CeleryWorker(
            env=env, concurrency=args.concurrency, imports=["benchmarks.noop_tasks"], hostname="bench-reminders-1@%h"
        )
        workers.append(worker.start())
        if wait_until(lambda: sink.distinct(PREFIX) >= queued * args.kill_at, timeout=args.timeout, interval=0.05):
            os.killpg(worker.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
            result["worker_killed"] = True
            result["killed_after"] = sink.distinct(PREFIX)
            log("worker killed (kill -9) after %s emails; starting another", result["killed_after"])
            workers.append(
                CeleryWorker(
                    env=env,
                    concurrency=args.concurrency,
                    imports=["benchmarks.noop_tasks"],
                    hostname="bench-reminders-2@%h",
                ).start()
            )
        finished = wait_until(lambda: sink.distinct(PREFIX) >= queued, timeout=args.timeout, interval=0.05)
        time.sleep(2.0)  # late duplicates, if any, show up before counting
        received, distinct, first_at = sink.snapshot(f"{PREFIX}:")
        end = max(first_at.values(), default=send_started)
        result.update(
            {
                "emails_per_s": rate(distinct, end - send_started),
                "send_seconds": round(end - send_started, 2),
                "duplicates": received - distinct,
                "lost": queued - distinct,
                "timed_out": not finished,
                "sweeper_recovered": sweeper.recovered,
                "sweeper_dispatched": sweeper.dispatched,
            }
        )
        sweeper.stopping.set()
        states = dict(
            OutboundEmail.objects.filter(key__startswith=f"{PREFIX}:")
            .order_by()
            .values_list("state")
            .annotate(n=Count("pk"))
        )
        result["db_states"] = states
        result["emails_vs_noop"] = (
            round(result["emails_per_s"] / noop["per_s"], 3) if result["emails_per_s"] and noop["per_s"] else None
        )
        log("attendance page: %s people", args.attendance_people)
        attendance = attendance_page(people=args.attendance_people, requests=args.attendance_requests)
        result["attendance_p95_ms"] = attendance["attendance_ms"]["p95"]
        result["attendance_queries"] = attendance["attendance_queries"]
        result["attendance_ms"] = attendance["attendance_ms"]
        connection.close()
        ok = (
            result["duplicates"] == 0
            and result["lost"] == 0
            and result["replan_queued"] == 0
            and result["worker_killed"]
        )
    except BaseException as error:  # noqa: BLE001 - report and clean up, whatever happened
        result["error"] = repr(error)
        log("failed: %r", error)
    finally:
        if sweeper is not None:
            sweeper.stopping.set()
        for worker in workers:
            worker.stop(grace=10)
        if controller is not None:
            controller.stop()
        try:
            environment.__exit__(None, None, None)
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
            log("cleanup failed: %r", error)
        result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        emit_json(result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
