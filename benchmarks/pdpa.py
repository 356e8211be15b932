"""PDPA at scale: the retention beat over 100,000 applications not accepted, one person's data
ZIP, and anonymising a person while 20,000 sessions are open.

    .venv/bin/python benchmarks/pdpa.py              # 100,000 applications (about 2 min)
    .venv/bin/python benchmarks/pdpa.py --small      # smoke test

- retention: `retention_plan()` announces them (one email per staff member), runs again
  (must do nothing), then, a week later, purges them (answers blanked, 1 in 100 with a file
  deleted from the private storage): wall time, queries, and that no row was missed or done twice;
- download: `data_export_zip()` for a person with `--messages` emails in the outbox and 10
  files of 1 MiB: wall time and ZIP size;
- erasure: `person_anonymise()` with `--sessions` sessions in the table (the person's own are
  found by decoding each open session): wall time and queries.

Prints ONE JSON object on stdout; logs go to stderr. The database and the Redis server are
cleaned up even on failure or Ctrl-C (`--keep-db` keeps the database).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
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
    stop_on_signals,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_pdpa"


def run_retention(*, users: list) -> dict:
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, CohortStatus, QuestionKind, TrackKind
    from cohorts.models import Answer, Application, Cohort, Program, Question, Track
    from cohorts.services.retention import retention_plan
    from incubator.models import OutboundEmail
    from incubator.storage import private_storage

    now = timezone.now()
    program = Program.objects.create(name="Social Incubator", slug="retention-program")
    program.staff.add(*users[:3])
    cohort = Cohort.objects.create(
        program=program,
        number=1,
        name="รุ่นที่ 2",
        slug="retention-cohort",
        status=CohortStatus.RUNNING,
        applications_open_at=now - timedelta(days=430),
        applications_close_at=now - timedelta(days=400),
    )
    track = Track.objects.create(cohort=cohort, kind=TrackKind.ORGANISATION, name="องค์กร")
    text_q = Question.objects.create(cohort=cohort, text="แผนงาน", kind=QuestionKind.LONG_TEXT)
    file_q = Question.objects.create(cohort=cohort, text="เอกสาร", kind=QuestionKind.FILE)
    applicants = users[3:]
    started = time.perf_counter()
    decided = now - timedelta(days=368)
    for start in range(0, len(applicants), 5000):
        chunk = Application.objects.bulk_create(
            [
                Application(
                    cohort=cohort,
                    track=track,
                    applicant=user,
                    status=ApplicationStatus.REJECTED,
                    motivation=MOTIVATION,
                    decided_at=decided,
                )
                for user in applicants[start : start + 5000]
            ]
        )
        Answer.objects.bulk_create([Answer(application=a, question=text_q, value=MOTIVATION) for a in chunk])
        with_files = []
        for application in chunk[::100]:
            name = private_storage().save(f"answers/bench/{application.pk}.pdf", ContentFile(b"%PDF-1.4 bench"))
            with_files.append(Answer(application=application, question=file_q, value="แผน.pdf", file=name))
        Answer.objects.bulk_create(with_files)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seed_s = time.perf_counter() - started
    log("retention: %s applications seeded in %.1fs", len(applicants), seed_s)
    results = {"applications": len(applicants), "seed_s": round(seed_s, 1)}
    for label, when in (
        ("notice", now),
        ("notice_again", now + timedelta(hours=1)),
        ("purge", now + timedelta(days=8)),
    ):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            done = retention_plan(now=when)
            seconds = time.perf_counter() - started
        results[label] = {**done, "s": round(seconds, 2), "queries": len(captured)}
        log("retention %s: %s in %.2fs", label, done, seconds)
    left = Application.objects.filter(cohort=cohort, purged_at__isnull=True).count()
    results["not_purged"] = left
    results["notice_emails"] = OutboundEmail.objects.filter(key__startswith="retention-notice:").count()
    results["files_left"] = Answer.objects.filter(application__cohort=cohort).exclude(file="").count()
    return results


def run_download(*, person, messages: int) -> dict:
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cohorts.enums import QuestionKind
    from cohorts.models import Answer, Application, Question
    from incubator import pdpa
    from incubator.models import OutboundEmail
    from incubator.storage import private_storage

    OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(
                key=f"bench-pdpa:{n}", to=person.email, recipient_user=person, subject="s", body_text=MOTIVATION
            )
            for n in range(messages)
        ]
    )
    application = Application.objects.filter(applicant__isnull=False).first()
    Application.objects.filter(pk=application.pk).update(applicant=person)
    for n in range(10):
        question = Question.objects.create(cohort=application.cohort, text=f"ไฟล์ {n}", kind=QuestionKind.FILE)
        name = private_storage().save(f"answers/bench/big-{n}.pdf", ContentFile(os.urandom(1024 * 1024)))
        Answer.objects.create(application=application, question=question, value=f"ไฟล์ {n}.pdf", file=name)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        content = pdpa.data_export_zip(person)
        seconds = time.perf_counter() - started
    return {
        "messages": messages,
        "files": 10,
        "s": round(seconds, 2),
        "queries": len(captured),
        "zip_mb": round(len(content) / 2**20, 1),
    }


def run_erasure(*, person, sessions: int) -> dict:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from incubator import pdpa

    store = SessionStore()
    expire = timezone.now() + timedelta(days=7)
    rows = [
        Session(
            session_key=f"bench{n:027d}",
            session_data=store.encode({"_auth_user_id": str(n + 10_000_000)}),
            expire_date=expire,
        )
        for n in range(sessions)
    ]
    rows.append(
        Session(
            session_key="benchperson", session_data=store.encode({"_auth_user_id": str(person.pk)}), expire_date=expire
        )
    )
    Session.objects.bulk_create(rows, batch_size=5000)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        pdpa.person_anonymise(user=person)
        seconds = time.perf_counter() - started
    return {
        "sessions": sessions,
        "s": round(seconds, 2),
        "queries": len(captured),
        "person_session_left": Session.objects.filter(session_key="benchperson").exists(),
        "other_sessions_left": Session.objects.count(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--applications", type=int, default=100_000, help="applications not accepted (default 100000)")
    parser.add_argument("--messages", type=int, default=2_000, help="outbox rows of the person downloading (2000)")
    parser.add_argument("--sessions", type=int, default=20_000, help="open sessions when anonymising (20000)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default="", help="use this Redis db (and the next, flushed) instead of starting one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    return parse_with_small(parser, argv, {"applications": 500, "messages": 50, "sessions": 200})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    private = tempfile.mkdtemp(prefix="bench-pdpa-private-")
    result: dict = {
        "benchmark": "pdpa",
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    with (
        reported(result),
        BenchEnvironment(
            database_url=args.database_url,
            redis_url=args.redis_url,
            keep_db=args.keep_db,
            extra_env={"PRIVATE_MEDIA_ROOT": private},
        ),
    ):
        users = make_users(prefix="pdpa", count=args.applications + 4, password=shared_password_hash())
        result["retention"] = run_retention(users=users[:-1])
        result["download"] = run_download(person=users[-1], messages=args.messages)
        result["erasure"] = run_erasure(person=users[-1], sessions=args.sessions)
        retention = result["retention"]
        result["ok"] = (
            retention["notice"]["noticed"] == args.applications
            and retention["notice_again"]["noticed"] == 0
            and retention["purge"]["purged"] == args.applications
            and retention["not_purged"] == 0
            and retention["files_left"] == 0
            and retention["notice_emails"] == 3
            and not result["erasure"]["person_session_left"]
            and result["erasure"]["other_sessions_left"] == args.sessions
        )
    import shutil

    shutil.rmtree(private, ignore_errors=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
