"""The restore drill: back up a realistic program, restore it into an empty database and an
empty files folder, and prove that nothing differs.

    .venv/bin/python benchmarks/restore_drill.py                          # 10,000 applicants, 500 files
    .venv/bin/python benchmarks/restore_drill.py --people 500 --files 50  # a quicker run
    .venv/bin/python benchmarks/restore_drill.py --small                  # CI smoke run (200 people, 10 files)

Steps: a fresh PostgreSQL database, migrated, with the demo data (`seed_demo`) plus `--people`
applicants, each with a submitted application and answers to the cohort's questions, and
`--files` private attachments (random bytes, 20 to 400 KB) stored through the private storage
and linked from answers; then `manage.py backup`'s service (pg_dump custom format + the files,
encrypted with a fresh Fernet key), timed; then a second, empty database and an empty files
folder, restored into from the encrypted file, timed; then every table's row count and a
checksum of its whole content (md5 of its rows as text, in order), and every file's SHA-256,
compared between the two sides.

Prints ONE JSON object on stdout: backup_s, restore_s, backup_mb, tables, tables_differing,
files, files_differing; ok is true when nothing differs. Both databases, the files folders and
the backup are removed at the end, even on failure (`--keep-db` keeps the databases).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BenchEnvironment,
    loadavg,
    log,
    make_users,
    parse_with_small,
    postgres_drop,
    postgres_recreate,
    redact_url,
    reported,
    shared_password_hash,
    stop_on_signals,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_restore"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=10_000, help="applicants with an application (default 10000)")
    parser.add_argument("--files", type=int, default=500, help="private attachments (default 500)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="", help="use this Redis db (and the next, flushed)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the databases at the end")
    args = parse_with_small(parser, argv, {"people": 200, "files": 10})
    if args.people < 1 or args.files < 0 or args.files > args.people:
        parser.error("--people must be positive and --files between 0 and --people")
    return args


def seed(*, people: int, files: int) -> dict:
    """The demo data, `people` submitted applications with answers, `files` attachments."""
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import transaction

    from cohorts.models import Answer, Application, Cohort, Question
    from incubator.storage import opaque_name, private_storage

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())  # stdout is for the JSON
    cohort = Cohort.objects.filter(tracks__isnull=False).order_by("pk").first()
    track = cohort.tracks.order_by("pk").first()
    questions = list(Question.objects.filter(cohort=cohort).order_by("pk")) or [
        Question.objects.create(cohort=cohort, text="เล่าประสบการณ์ทำงานกับชุมชน")
    ]
    users = make_users(prefix="applicant", count=people, password=shared_password_hash())
    rng = random.Random(15)
    storage = private_storage()
    with transaction.atomic():
        applications = Application.objects.bulk_create(
            [
                Application(
                    cohort=cohort,
                    track=track,
                    applicant=user,
                    status="submitted",
                    motivation=f"อยากพัฒนาชุมชนบ้านเกิดที่จังหวัดน่าน ครั้งที่ {n}",
                    expectations="เครือข่ายและโคชที่ช่วยคิดกลยุทธ์",
                )
                for n, user in enumerate(users)
            ],
            batch_size=5000,
        )
        answers = []
        for n, application in enumerate(applications):
            for question in questions:
                answers.append(Answer(application=application, question=question, value=f"คำตอบที่ {n}"))
        Answer.objects.bulk_create(answers, batch_size=5000)
    file_question = Question.objects.create(cohort=cohort, text="แนบแผนงาน", kind="file")
    stored_bytes = 0
    rows = []
    for application in applications[:files]:
        content = rng.randbytes(rng.randint(20_000, 400_000))
        name = storage.save(opaque_name("answers"), ContentFile(content))
        stored_bytes += len(content)
        rows.append(Answer(application=application, question=file_question, value="แผนงาน.pdf", file=name))
    Answer.objects.bulk_create(rows, batch_size=2000)
    return {"applications": len(applications), "answers": len(answers) + len(rows), "files_mb": stored_bytes / 1e6}


def table_fingerprints(conninfo: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of every row as text, sorted)} for every table of the public schema."""
    import psycopg
    from psycopg import sql

    fingerprints = {}
    with psycopg.connect(conninfo) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ]
        for table in tables:
            query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t")
            count, digest = conn.execute(query.format(sql.Identifier(table))).fetchone()
            fingerprints[table] = (count, digest)
    return fingerprints


def file_fingerprints(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def conninfo_of(database: dict) -> str:
    parts = {
        "host": database.get("HOST") or "127.0.0.1",
        "port": database.get("PORT") or 5432,
        "user": database.get("USER") or "postgres",
        "dbname": database["NAME"],
    }
    if database.get("PASSWORD"):
        parts["password"] = database["PASSWORD"]
    return " ".join(f"{key}={value}" for key, value in parts.items())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    from cryptography.fernet import Fernet

    work = Path(tempfile.mkdtemp(prefix="restore-drill-"))
    source_files, target_files = work / "private", work / "restored-private"
    target_url = args.database_url + "_target"
    result: dict = {
        "benchmark": "restore_drill",
        "people": args.people,
        "files": None,
        "backup_s": None,
        "restore_s": None,
        "backup_mb": None,
        "tables": None,
        "tables_differing": None,
        "files_differing": None,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    key = Fernet.generate_key().decode()
    try:
        with (
            reported(result),
            BenchEnvironment(
                database_url=args.database_url,
                redis_url=args.redis_url,
                keep_db=args.keep_db,
                extra_env={"PRIVATE_MEDIA_ROOT": str(source_files), "BACKUP_ENCRYPTION_KEY": key},
            ),
        ):
            from django.conf import settings

            from incubator.backup import backup_create, backup_restore

            started = time.perf_counter()
            result["seeded"] = seed(people=args.people, files=args.files)
            result["seed_s"] = round(time.perf_counter() - started, 1)
            log("seeded %s in %ss", result["seeded"], result["seed_s"])

            archive = work / "incubator.bak"
            started = time.perf_counter()
            backup_create(output=archive)
            result["backup_s"] = round(time.perf_counter() - started, 2)
            result["backup_mb"] = round(archive.stat().st_size / 1e6, 1)
            log("backup: %s MB in %ss", result["backup_mb"], result["backup_s"])

            postgres_recreate(target_url)
            target = {**settings.DATABASES["default"], "NAME": target_url.rsplit("/", 1)[1]}
            started = time.perf_counter()
            backup_restore(archive=archive, database=target, files_dir=target_files)
            result["restore_s"] = round(time.perf_counter() - started, 2)
            log("restore in %ss; comparing", result["restore_s"])

            source = table_fingerprints(conninfo_of(settings.DATABASES["default"]))
            restored = table_fingerprints(conninfo_of(target))
            differing = sorted(t for t in source.keys() | restored.keys() if source.get(t) != restored.get(t))
            result["tables"] = len(source)
            result["rows"] = sum(count for count, _digest in source.values())
            result["tables_differing"] = len(differing)
            result["tables_differing_names"] = differing
            files_before, files_after = file_fingerprints(source_files), file_fingerprints(target_files)
            result["files"] = len(files_before)
            result["files_differing"] = sum(
                1
                for name in files_before.keys() | files_after.keys()
                if files_before.get(name) != files_after.get(name)
            )
            result["ok"] = result["tables_differing"] == 0 and result["files_differing"] == 0 and result["files"] > 0
    finally:
        if not args.keep_db:
            try:
                postgres_drop(target_url)
            except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
                log("could not drop the target database: %s", error)
        shutil.rmtree(work, ignore_errors=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
