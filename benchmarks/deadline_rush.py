"""Deadline rush: thousands of applicants submit in the last minutes, against gunicorn and PostgreSQL.

    .venv/bin/python benchmarks/deadline_rush.py                    # 2,000 applicants, 100,000 rows (10-15 min)
    .venv/bin/python benchmarks/deadline_rush.py --applicants 200 --changelist-rows 2000 \\
        --reminder-drafts 2000                                          # smoke test (~1 min)

What it does:
1. Creates a fresh PostgreSQL database (DATABASE_URL; its name must contain "bench"), migrates it,
   collects the static files into a scratch STATIC_ROOT (whitenoise's manifest needs them in
   production mode) and flushes the Redis broker db (REDIS_URL) and cache db (REDIS_CACHE_URL).
2. Seeds one open call whose deadline is a few minutes ahead (three tracks, two questions of its
   own) and `--applicants` applicants with verified emails, complete drafts on all three tracks
   and consent to the current privacy notice, plus a signed-in session each (session rows are
   written directly, so the load is the submit and not the login) and a CSRF cookie.
3. Starts an SMTP sink (from benchmarks/outbox.py), a real Celery worker and gunicorn (production
   settings: DJANGO_DEBUG=false, `benchmarks.rush_settings`, which only adds the bare-insert URL).
4. Counts the queries of one submit and one bare insert in-process (Django's test client).
5. Load, all against the same gunicorn with the same concurrency and request count:
   bare inserts, then every applicant POSTs the full form with action=submit exactly once, then
   bare inserts again. A submit succeeds when it answers 302 to the application's page.
6. Waits for the confirmation emails to arrive at the sink, then checks the database and the
   sink: lost (a success answer but not submitted), duplicate and missing confirmations.
7. Stops gunicorn and the worker, then measures the admin changelist of applications at
   `--changelist-rows` applications (in-process, as a superuser and as one program's staff
   member): p95 ms and queries per variant, the slowest query explained.
8. Times `reminders_plan()` for `--reminder-drafts` drafts in a call whose deadline is two hours
   ahead (the 3-hour offset is open), including publishing the tasks to the broker.

`--applicants 0`, `--changelist-rows 0` or `--reminder-drafts 0` skip a part. `--pg-jit off` and
`--celery-db-reuse-max N` are what-if knobs for the settings the report recommends.

Prints ONE JSON object on stdout; logs go to stderr. gunicorn, the worker, the sink and the
database are cleaned up even on failure or Ctrl-C (`--keep-db` keeps the database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BIN,
    CeleryWorker,
    ServerProcess,
    bench_env,
    emit_json,
    free_port,
    log,
    machine_cpu_seconds,
    manage,
    percentiles,
    postgres_cpu_seconds,
    postgres_drop,
    postgres_recreate,
    proc_cpu_seconds,
    processes_named,
    rate,
    redact_url,
    redis_db_of,
    redis_flush,
    redis_url_with_db,
    setup_django,
    tree_cpu_seconds,
    wait_until,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_rush"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
SETTINGS_MODULE = "benchmarks.rush_settings"
SUBMITTED_KEY_PREFIX = "application-submitted"
BARE_URL = "/bench/bare-insert/"
PRIVACY_VERSION = "2.1"

ORG_NAMES = ["มูลนิธิรักษ์ป่าต้นน้ำ", "วิสาหกิจชุมชนข้าวอินทรีย์", "สมาคมเยาวชนสร้างสรรค์", "กลุ่มประมงพื้นบ้าน"]
FIRST_NAMES = ["สมชาย", "สุดารัตน์", "อนุชา", "กมลวรรณ", "ธีรพงษ์", "ปิยะนุช", "วีระ", "นภัสสร"]
LAST_NAMES = ["ใจดี", "ศรีสุข", "ทองคำ", "บุญมา", "แก้วมณี", "พรหมมา", "สายทอง", "มั่นคง"]
MOTIVATION = (
    "องค์กรของเราทำงานกับชุมชนมากว่าสิบปี แต่ยังขาดกลยุทธ์การขับเคลื่อนการเปลี่ยนแปลงทางสังคมที่ชัดเจน "
    "และการคิดต้นทุนต่อหน่วยผลลัพธ์ (impact unit cost) เราอยากเข้าร่วมเพื่อทดสอบแนวคิดในพื้นที่จริงกับโคชติดตามพื้นที่ "
    "และพัฒนาทีมให้พร้อมรับการเปลี่ยนผ่าน "
)
EXPECTATIONS = "ได้เครื่องมือวางแผนการเงิน เครือข่ายภาคีใหม่ และโคชที่เข้าใจบริบทพื้นที่"
SKILLS = "การเงินและบัญชี การตลาดดิจิทัล การวิเคราะห์ข้อมูล การบริหารทีม"
IDEA_SUMMARY = "ปัญหาขยะพลาสติกในชุมชนชายฝั่ง กระทบชาวประมงและนักท่องเที่ยว เราอยากทดลองระบบมัดจำบรรจุภัณฑ์ร่วมกับร้านค้า"
ANSWER_TEXT = "เราวัดผลจากจำนวนครัวเรือนที่เข้าร่วมและรายได้ที่เพิ่มขึ้นของกลุ่มอาชีพ ทุกไตรมาส"
HEARD_FROM = ["เฟซบุ๊กของโครงการ", "เพื่อนหรือเครือข่าย", "มหาวิทยาลัย", "อื่น ๆ"]


# --- processes ----------------------------------------------------------------------------------


class Gunicorn(ServerProcess):
    """`gunicorn incubator.wsgi` in its own process group; stopped gracefully, then killed."""

    name = "gunicorn"

    def __init__(self, *, env: dict[str, str], port: int, workers: int, threads: int, backlog: int = 2048) -> None:
        self.env = env
        self.port = port
        self.args = [
            str(BIN / "gunicorn"),
            "incubator.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            str(backlog),
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]
        if threads > 1:
            self.args += ["--worker-class", "gthread", "--threads", str(threads)]
        self.process: subprocess.Popen | None = None


def database_backends(database: str) -> dict[int, float]:
    """CPU seconds of each live PostgreSQL backend connected to `database` (by its title)."""
    out = {}
    for pid in processes_named("postgres"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                title = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f" {database} " in title:
            out[pid] = proc_cpu_seconds(pid, reaped_children=False)
    return out


class BackendSampler(threading.Thread):
    """Samples, every `interval` seconds, the CPU seconds of each PostgreSQL backend connected to
    the benchmark's database and remembers the last value per backend, so that backends that
    end (gunicorn's connections are recycled after CONN_MAX_AGE) still count. Backends that live
    less than an interval (the worker's per-task connections) are mostly missed."""

    def __init__(self, database: str, interval: float = 0.25) -> None:
        super().__init__(name="pg-backend-sampler", daemon=True)
        self.database = database
        self.interval = interval
        self.last: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def sample(self) -> None:
        found = database_backends(self.database)
        with self.lock:
            self.last.update(found)

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            self.sample()

    def totals(self) -> dict[int, float]:
        self.sample()
        with self.lock:
            return dict(self.last)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


class Cpu:
    """CPU seconds per component between two snapshots (see benchmarks/_common.py).

    `postgres` is the whole server (other databases too, and the backends it reaped);
    `postgres_web` the backends connected to the benchmark's database as `BackendSampler`
    sees them: gunicorn's connections (and the few worker connections that live long enough)."""

    def __init__(self, *, gunicorn_pid: int | None, worker_pid: int | None, sampler: BackendSampler) -> None:
        self.gunicorn_pid = gunicorn_pid
        self.worker_pid = worker_pid
        self.sampler = sampler

    def snapshot(self) -> dict:
        busy, total = machine_cpu_seconds()
        return {
            "gunicorn": tree_cpu_seconds(self.gunicorn_pid) if self.gunicorn_pid else 0.0,
            "celery_worker": tree_cpu_seconds(self.worker_pid) if self.worker_pid else 0.0,
            "bench_client": time.process_time(),
            "postgres": postgres_cpu_seconds(),
            "postgres_web": self.sampler.totals(),
            "machine_busy": busy,
            "machine_total": total,
        }

    @staticmethod
    def per_request_ms(before: dict, after: dict, count: int) -> dict[str, float]:
        if count <= 0:
            return {}
        out = {}
        for key, value in before.items():
            if key == "machine_total":
                continue
            if isinstance(value, dict):
                # Backends alive at both ends: their growth; new ones: all of their time.
                seconds = sum(cpu - value.get(pid, 0.0) for pid, cpu in after[key].items())
            else:
                seconds = after[key] - value
            out[key] = round(seconds / count * 1000, 2)
        return out


# --- seeding ------------------------------------------------------------------------------------


@dataclass
class Applicant:
    application_id: int
    session_key: str
    csrf: str
    body: bytes
    group: str


@dataclass
class RushWorld:
    cohort_id: int
    deadline: object
    applicants: list[Applicant] = field(default_factory=list)

    def group(self, name: str) -> list[Applicant]:
        return [a for a in self.applicants if a.group == name]


def _shared_password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    # One hash for every seeded person: hashing 100,000 passwords would take hours.
    return make_password("deadline-rush-benchmark-password")


def make_users(*, prefix: str, count: int, password: str, batch: int = 5000) -> list:
    """`count` active users with verified primary email addresses (bulk-created)."""
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from incubator.models import User

    users = []
    now = timezone.now()
    for start in range(0, count, batch):
        chunk = [
            User(
                email=f"{prefix}{n:06d}@example.org",
                full_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n // 8) % len(LAST_NAMES)]} {n}",
                phone=f"08{n % 100_000_000:08d}",
                preferred_language="en" if n % 5 == 0 else "th",
                password=password,
                date_joined=now,
            )
            for n in range(start, min(start + batch, count))
        ]
        users += User.objects.bulk_create(chunk, batch_size=batch)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in chunk],
            batch_size=batch,
        )
    return users


def _org_fields(n: int) -> dict:
    from cohorts.enums import Need, OrganisationKind, OrganisationSize, Sector
    from incubator.geo import PROVINCES

    province = PROVINCES[n % len(PROVINCES)]
    return {
        "name": f"{ORG_NAMES[n % len(ORG_NAMES)]} {n}",
        "kind": OrganisationKind.values[n % len(OrganisationKind.values)],
        "province": province.code,
        "region": province.region,
        "focus_areas": [Sector.values[n % 10], Sector.values[(n + 3) % 10]],
        "size": OrganisationSize.values[n % 4],
        "website": f"https://org{n}.example.org",
        "contact_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}",
        "contact_email": f"contact{n}@example.org",
        "contact_phone": f"02{n % 10_000_000:07d}",
        "needs": [Need.values[n % 8], Need.values[(n + 1) % 8]],
        "description": "องค์กรภาคประชาสังคมที่ทำงานด้านการพัฒนาชุมชนในพื้นที่",
    }


def _track_fields(kind: str, n: int) -> dict:
    from cohorts.enums import Language, Sector, TrackKind
    from incubator.geo import PROVINCES

    common = {"motivation": MOTIVATION + f"({n})", "expectations": EXPECTATIONS}
    if kind == TrackKind.INTRAPRENEUR:
        return {
            **common,
            "employer": f"บริษัท ตัวอย่าง จำกัด {n % 50}",
            "job_title": "ผู้จัดการฝ่ายการเงิน",
            "skills": SKILLS,
            "sectors": [Sector.values[n % 10], Sector.values[(n + 5) % 10]],
            "travel_provinces": [PROVINCES[n % 77].code, PROVINCES[(n + 11) % 77].code],
            "languages": [Language.THAI.value, Language.ENGLISH.value],
            "availability_days_per_month": 4 + n % 8,
        }
    if kind == TrackKind.TEAM:
        return {
            **common,
            "team_name": f"ทีมเยาวชนสร้างสรรค์ {n}",
            "idea_title": "ระบบมัดจำบรรจุภัณฑ์ในชุมชนชายฝั่ง",
            "idea_summary": IDEA_SUMMARY,
            "team_size": 3 + n % 5,
        }
    return common


def _form_body(*, kind: str, n: int, csrf: str, questions: list, org: dict | None) -> bytes:
    """The application form as a browser posts it: every field, the final edit, action=submit."""
    from cohorts.enums import TrackKind

    fields = _track_fields(kind, n)
    pairs: list[tuple[str, str]] = [("csrfmiddlewaretoken", csrf)]
    for name, value in fields.items():
        if name == "motivation":
            value = f"{value} แก้ไขครั้งสุดท้ายก่อนส่ง"  # the last-minute edit
        if isinstance(value, list):
            pairs += [(name, item) for item in value]
        else:
            pairs.append((name, str(value)))
    if kind == TrackKind.ORGANISATION and org is not None:
        for name, value in org.items():
            if name == "region":
                continue
            if isinstance(value, list):
                pairs += [(f"org_{name}", item) for item in value]
            else:
                pairs.append((f"org_{name}", str(value)))
    required_q, choice_q = questions
    pairs.append((f"q_{required_q.pk}", ANSWER_TEXT))
    pairs.append((f"q_{choice_q.pk}", HEARD_FROM[n % len(HEARD_FROM)]))
    pairs += [("consent", "on"), ("action", "submit")]
    return urlencode(pairs).encode()


def _session_rows(users: list, *, days: int = 14) -> list:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store = SessionStore()
    expire = timezone.now() + timedelta(days=days)
    rows = []
    for user in users:
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=secrets.token_hex(16), session_data=store.encode(data), expire_date=expire))
    return rows


def seed_rush(*, groups: dict[str, int], deadline_minutes: float, password: str) -> RushWorld:
    """One open call closing in `deadline_minutes`, and per group that many applicants with a
    complete draft, consent, a signed-in session and the form body they will post."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, CohortStatus, QuestionKind, TrackKind
    from cohorts.models import Answer, Application, Cohort, Organisation, Program, Question, Track

    now = timezone.now()
    program = Program.objects.create(
        name="Social Incubator บ่มเพาะนวัตกรรมสังคม",
        name_en="Social Incubator",
        slug="rush-social-incubator",
        supports=["funding", "coaching", "network"],
    )
    deadline = now + timedelta(minutes=deadline_minutes)
    cohort = Cohort.objects.create(
        program=program,
        number=9,
        name="รุ่นที่ 9",
        slug="rush-cohort-9",
        status=CohortStatus.OPEN,
        call_text="เปิดรับสมัครผู้นำองค์กร Intrapreneur และทีมเยาวชน",
        applications_open_at=now - timedelta(days=30),
        applications_close_at=deadline,
        privacy_notice="เราเก็บและใช้ข้อมูลของท่านเพื่อการคัดเลือกและติดต่อเกี่ยวกับโครงการเท่านั้น",
        privacy_notice_version=PRIVACY_VERSION,
    )
    tracks = [
        Track.objects.create(cohort=cohort, kind=kind, name=str(label), capacity=30)
        for kind, label in TrackKind.choices
    ]
    questions = [
        Question.objects.create(
            cohort=cohort,
            order=1,
            text="ท่านจะวัดผลลัพธ์ทางสังคมของงานอย่างไร",
            kind=QuestionKind.LONG_TEXT,
            required=True,
            max_length=2000,
        ),
        Question.objects.create(
            cohort=cohort,
            order=2,
            text="ท่านรู้จักโครงการจากช่องทางใด",
            kind=QuestionKind.SINGLE_CHOICE,
            choices="\n".join(HEARD_FROM),
        ),
    ]
    total = sum(groups.values())
    users = make_users(prefix="rush", count=total, password=password)
    org_fields = {n: _org_fields(n) for n in range(total) if tracks[n % 3].kind == TrackKind.ORGANISATION}
    organisations = dict(
        zip(
            org_fields,
            Organisation.objects.bulk_create(
                [Organisation(created_by=users[n], **fields) for n, fields in org_fields.items()], batch_size=5000
            ),
            strict=True,
        )
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                cohort=cohort,
                track=tracks[n % 3],
                applicant=users[n],
                organisation=organisations.get(n),
                status=ApplicationStatus.DRAFT,
                consent_version=PRIVACY_VERSION,
                consented_at=now - timedelta(hours=1),
                **_track_fields(tracks[n % 3].kind, n),
            )
            for n in range(total)
        ],
        batch_size=5000,
    )
    Answer.objects.bulk_create(
        [Answer(application=a, question=questions[0], value=ANSWER_TEXT) for a in applications]
        + [Answer(application=a, question=questions[1], value=HEARD_FROM[n % 4]) for n, a in enumerate(applications)],
        batch_size=5000,
    )
    sessions = _session_rows(users)
    Session.objects.bulk_create(sessions, batch_size=5000)

    world = RushWorld(cohort_id=cohort.pk, deadline=deadline)
    names = [name for name, count in groups.items() for _ in range(count)]
    for n, (application, session, group) in enumerate(zip(applications, sessions, names, strict=True)):
        csrf = secrets.token_hex(16)  # 32 characters: Django takes it as an unmasked secret
        body = _form_body(kind=tracks[n % 3].kind, n=n, csrf=csrf, questions=questions, org=org_fields.get(n))
        world.applicants.append(
            Applicant(application_id=application.pk, session_key=session.session_key, csrf=csrf, body=body, group=group)
        )
    return world


def postgres_set(url: str, name: str, value: str) -> None:
    """ALTER DATABASE <the bench database> SET <name> = <value> (new connections see it)."""
    import psycopg
    from psycopg import sql

    from benchmarks._common import _check_bench_name, _postgres_admin_conninfo

    conninfo, database = _postgres_admin_conninfo(url)
    _check_bench_name(database)
    with psycopg.connect(**conninfo) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(database), sql.Identifier(name), sql.Literal(value)
            )
        )


# --- the HTTP client ----------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    body: bytes
    cookies: str


@dataclass
class Response:
    status: int
    location: str
    ms: float
    error: str = ""


def _raw_request(request: Request, host: str) -> bytes:
    head = (
        f"POST {request.path} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "User-Agent: deadline-rush-benchmark\r\n"
        "Accept: text/html\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(request.body)}\r\n"
        f"Cookie: {request.cookies}\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + request.body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bool]:
    """Read one response; returns (status, headers, connection reusable)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    reusable = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        reusable = False
    return status, headers, reusable


async def _run_load(
    requests: list[Request], *, port: int, concurrency: int, timeout: float, request_timeout: float
) -> tuple[list[Response | None], float]:
    """POST every request once, `concurrency` in flight; keep-alive when the server allows it."""
    host = f"127.0.0.1:{port}"
    raws = [_raw_request(request, host) for request in requests]
    results: list[Response | None] = [None] * len(requests)
    cursor = iter(range(len(requests)))

    async def one(index: int, conn: list) -> None:
        started = time.perf_counter()
        try:
            if not conn:
                conn[:] = await asyncio.open_connection("127.0.0.1", port)
            reader, writer = conn
            writer.write(raws[index])
            await writer.drain()
            status, headers, reusable = await _read_response(reader)
            results[index] = Response(status, headers.get("location", ""), (time.perf_counter() - started) * 1000)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            results[index] = Response(0, "", (time.perf_counter() - started) * 1000, f"{type(error).__name__}")
            reusable = False
        if not reusable and conn:
            conn[1].close()
            conn.clear()

    async def lane() -> None:
        conn: list = []
        for index in cursor:
            try:
                await asyncio.wait_for(one(index, conn), request_timeout)
            except TimeoutError:
                results[index] = Response(0, "", request_timeout * 1000, "TimeoutError")
                if conn:
                    conn[1].close()
                    conn.clear()
        if conn:
            conn[1].close()

    started = time.perf_counter()
    lanes = [asyncio.ensure_future(lane()) for _ in range(concurrency)]
    done, pending = await asyncio.wait(lanes, timeout=timeout)
    for task in pending:
        task.cancel()
    if pending:
        log("load phase hit its %ss limit; %s lanes cancelled", timeout, len(pending))
        await asyncio.gather(*pending, return_exceptions=True)
    return results, time.perf_counter() - started


def run_load(requests: list[Request], **kwargs) -> tuple[list[Response | None], float]:
    return asyncio.run(_run_load(requests, **kwargs))


def summarise(results: list[Response | None], seconds: float, *, ok) -> dict:
    statuses = Counter(r.status if r is not None else "not_sent" for r in results)
    errors = Counter(r.error for r in results if r is not None and r.error)
    latencies = [r.ms for r in results if r is not None and not r.error]
    succeeded = sum(1 for r in results if r is not None and ok(r))
    http_errors = sum(1 for r in results if r is None or r.error or not 200 <= r.status < 400)
    return {
        "requests": len(results),
        "succeeded": succeeded,
        "http_errors": http_errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
        "transport_errors": dict(errors),
        "seconds": round(seconds, 3),
        "per_s": rate(succeeded, seconds),
        "latency_ms": percentiles(latencies),
    }


def _cookies(applicant: Applicant) -> str:
    return f"sessionid={applicant.session_key}; csrftoken={applicant.csrf}"


def submit_requests(applicants: list[Applicant]) -> list[Request]:
    return [Request(f"/applications/{a.application_id}/edit/", a.body, _cookies(a)) for a in applicants]


def bare_requests(applicants: list[Applicant], count: int, tag: str) -> list[Request]:
    requests = []
    for n in range(count):
        applicant = applicants[n % len(applicants)]
        body = urlencode([("csrfmiddlewaretoken", applicant.csrf), ("payload", f"{tag}:{n}")]).encode()
        requests.append(Request(BARE_URL, body, _cookies(applicant)))
    return requests


def bare_rows(tag: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_bare_insert WHERE payload LIKE %s", [f"{tag}:%"])
        return cursor.fetchone()[0]


# --- in-process query counts --------------------------------------------------------------------


def _statement_kinds(queries: list[dict]) -> dict[str, int]:
    kinds = Counter(q["sql"].lstrip().split(" ", 1)[0].upper() for q in queries)
    return dict(kinds.most_common())


def profile_requests(applicants: list[Applicant]) -> dict:
    """One bare insert and one submit per profile applicant through Django's test client (one
    client, so the middleware is loaded once, as in a server process), with their queries and
    CPU time counted: where the submit's time goes, compared with the floor."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    out: dict = {}
    for name in ("bare", "submit"):
        counts, ms, cpu_ms, kinds, status = [], [], [], {}, Counter()
        for n, applicant in enumerate(applicants):
            client.cookies["sessionid"] = applicant.session_key
            client.cookies["csrftoken"] = applicant.csrf
            if name == "submit":
                path, body = f"/applications/{applicant.application_id}/edit/", applicant.body
            else:
                path = BARE_URL
                body = urlencode([("csrfmiddlewaretoken", applicant.csrf), ("payload", f"profile:{n}")]).encode()
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")
                ms.append((time.perf_counter() - started) * 1000)
                cpu_ms.append((time.process_time() - cpu_started) * 1000)
            status[response.status_code] += 1
            counts.append(len(captured))
            kinds = _statement_kinds(captured.captured_queries)
            if name == "submit" and n == len(applicants) - 1:
                out["submit_sql"] = [q["sql"][:120] for q in captured.captured_queries]
        # The first request of each kind warms caches (content types, templates): leave it out.
        steady = slice(1, None) if len(ms) > 1 else slice(None)
        out[f"{name}_queries"] = max(counts[steady]) if counts else None
        out[f"{name}_statement_kinds"] = kinds
        out[f"{name}_in_process_ms"] = percentiles(ms[steady], (50,))
        out[f"{name}_in_process_cpu_ms"] = percentiles(cpu_ms[steady], (50,))
        out[f"{name}_statuses"] = {str(k): v for k, v in status.items()}
    return out


# --- the rush -----------------------------------------------------------------------------------


def wait_for_server(port: int, server: Gunicorn, timeout: float = 60) -> None:
    import http.client

    def up() -> bool:
        if not server.alive:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    if not wait_until(up, timeout=timeout, interval=0.2):
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout}s")


def check_rush(world: RushWorld, results: list[Response | None], sink, *, timeout: float) -> dict:
    """Wait for the confirmations, then lost / duplicate / missing for the measured applicants."""
    from cohorts.enums import ApplicationStatus
    from cohorts.models import Application
    from incubator.models import OutboundEmail

    submitted_all = Application.objects.filter(cohort_id=world.cohort_id, status=ApplicationStatus.SUBMITTED).count()
    started = time.perf_counter()
    arrived = wait_until(lambda: sink.distinct(SUBMITTED_KEY_PREFIX) >= submitted_all, timeout=timeout, interval=0.1)
    drain = time.perf_counter() - started
    time.sleep(2.0)  # let late duplicates, if any, arrive before counting
    if not arrived:
        log("confirmations: only %s of %s arrived in %ss", sink.distinct(SUBMITTED_KEY_PREFIX), submitted_all, timeout)

    measured = world.group("rush")
    ids = [a.application_id for a in measured]
    status_by_id = dict(Application.objects.filter(pk__in=ids).values_list("pk", "status"))
    submitted_ids = {pk for pk, status in status_by_id.items() if status == ApplicationStatus.SUBMITTED}
    succeeded_ids = {
        a.application_id
        for a, r in zip(measured, results, strict=True)
        if r is not None and r.status == 302 and r.location == f"/applications/{a.application_id}/"
    }
    _received, _distinct, _first = sink.snapshot(f"{SUBMITTED_KEY_PREFIX}:")
    with sink.lock:
        counts = {
            int(k.split(":", 1)[1]): v for k, v in sink.counts.items() if k.startswith(f"{SUBMITTED_KEY_PREFIX}:")
        }
    keys = [f"{SUBMITTED_KEY_PREFIX}:{pk}" for pk in ids]
    outbox_rows = Counter(OutboundEmail.objects.filter(key__in=keys).values_list("object_id", flat=True))
    outbox_states = Counter(OutboundEmail.objects.filter(key__in=keys).values_list("state", flat=True))
    duplicate_sink = sum(max(counts.get(pk, 0) - 1, 0) for pk in ids)
    duplicate_rows = sum(max(n - 1, 0) for n in outbox_rows.values())
    missing = sorted(pk for pk in submitted_ids if counts.get(pk, 0) == 0)
    unexpected = sorted(pk for pk in ids if pk not in submitted_ids and counts.get(pk, 0))
    return {
        "lost": len(succeeded_ids - submitted_ids),
        "not_submitted": len(set(ids) - submitted_ids),
        "duplicate_confirmations": duplicate_sink + duplicate_rows,
        "duplicate_confirmations_sink": duplicate_sink,
        "duplicate_outbox_rows": duplicate_rows,
        "missing_confirmations": len(missing),
        "missing_sample": missing[:10],
        "confirmations_for_unsubmitted": len(unexpected),
        "outbox_states": dict(outbox_states),
        "confirmations_drain_s": round(drain, 2),
        "confirmations_timed_out": not arrived,
        "statuses_in_db": dict(Counter(status_by_id.values())),
        "sink_messages_without_key": sink.without_key,
    }


# --- changelist at scale ------------------------------------------------------------------------


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
        [Organisation(**_org_fields(n)) for n in range(org_count)], batch_size=5000
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
                    **_track_fields(track.kind, n),
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


def _slowest(queries: list[dict], top: int = 3) -> list[dict]:
    ranked = sorted(queries, key=lambda q: float(q.get("time") or 0), reverse=True)[:top]
    return [{"ms": round(float(q.get("time") or 0) * 1000, 1), "sql": q["sql"][:400]} for q in ranked]


def explain(sql: str) -> dict:
    """EXPLAIN ANALYZE one query: execution, planning and JIT milliseconds, and the top node."""
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
    top = plan["Plan"]
    return {
        "execution_ms": round(plan.get("Execution Time", 0), 1),
        "planning_ms": round(plan.get("Planning Time", 0), 1),
        "jit_ms": round(jit, 1) if jit is not None else 0,
        "top_node": top.get("Node Type"),
        "estimated_cost": top.get("Total Cost"),
    }


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
            slowest = _slowest(captured.captured_queries)
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


# --- reminder planning at scale -----------------------------------------------------------------


def run_reminders(*, drafts: int, users: list) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, CohortStatus, TrackKind
    from cohorts.models import Application, Cohort, DeadlineReminder, Program, Track
    from cohorts.services import reminders
    from incubator.models import OutboundEmail
    from incubator.tasks import outbox_send

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

    # Count the time spent publishing tasks to the broker (on commit, inside reminders_plan).
    publish = {"s": 0.0, "n": 0}
    original = outbox_send.apply_async

    def timed_apply_async(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            publish["s"] += time.perf_counter() - begun
            publish["n"] += 1

    outbox_send.apply_async = timed_apply_async
    try:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            queued = reminders.reminders_plan()
            planning_s = time.perf_counter() - started
        started = time.perf_counter()
        queued_again = reminders.reminders_plan()
        second_s = time.perf_counter() - started
    finally:
        outbox_send.apply_async = original
    keys = OutboundEmail.objects.filter(key__startswith="deadline-reminder:")
    return {
        "drafts": drafts,
        "seed_s": round(seed_s, 1),
        "reminders_queued": queued,
        "planning_s": round(planning_s, 2),
        "broker_publish_s": round(publish["s"], 2),
        "tasks_published": publish["n"],
        "planning_without_publish_s": round(planning_s - publish["s"], 2),
        "queries": len(captured),
        "slowest_queries": _slowest(captured.captured_queries),
        "second_run_queued": queued_again,
        "second_run_s": round(second_s, 2),
        "outbox_rows": keys.count(),
        "deadline_reminder_rows": DeadlineReminder.objects.filter(application__cohort=cohort).count(),
    }


def run_rush(
    args: argparse.Namespace, *, env: dict[str, str], ports: dict[str, int], password: str, running: dict, result: dict
) -> bool:
    """The deadline rush against gunicorn (see the module doc); the processes it starts go into
    `running` so that the caller stops them even on failure. Returns whether its checks passed."""
    from django.db import connection

    from benchmarks.outbox import start_sink

    bare_count = args.bare_requests or args.applicants
    http_port, sink_port = ports["http"], ports["sink"]
    warmup_count = args.gunicorn_workers * args.gunicorn_threads * 4
    started = time.perf_counter()
    world = seed_rush(
        groups={"rush": args.applicants, "warmup": warmup_count, "profile": args.profile},
        deadline_minutes=args.deadline_minutes,
        password=password,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result["seed_rush_s"] = round(time.perf_counter() - started, 1)
    log("seeded %s applicants in %.1fs", len(world.applicants), result["seed_rush_s"])

    sink, running["sink"] = start_sink(sink_port)
    worker = running["worker"] = CeleryWorker(env=env, concurrency=args.worker_concurrency, hostname="bench-rush@%h")
    if not args.defer_worker:
        worker.start()

    if args.profile:
        result["profile"] = profile_requests(world.group("profile"))
        log(
            "in-process: submit %s queries, bare insert %s queries",
            result["profile"]["submit_queries"],
            result["profile"]["bare_queries"],
        )

    server = running["gunicorn"] = Gunicorn(
        env=env, port=http_port, workers=args.gunicorn_workers, threads=args.gunicorn_threads
    ).start()
    wait_for_server(http_port, server)
    # Warm every worker: imports, templates, database connections, the broker connection.
    warm = world.group("warmup")
    run_load(
        bare_requests(warm, len(warm) * 2, "warmup"),
        port=http_port,
        concurrency=len(warm),
        timeout=120,
        request_timeout=60,
    )
    warm_results, _s = run_load(
        submit_requests(warm), port=http_port, concurrency=len(warm), timeout=120, request_timeout=60
    )
    result["warmup_statuses"] = dict(Counter(r.status if r else 0 for r in warm_results))

    sampler = running["sampler"] = BackendSampler(urlsplit(args.database_url).path.lstrip("/"))
    sampler.start()
    cpu = Cpu(gunicorn_pid=server.pid, worker_pid=worker.process.pid if worker.process else None, sampler=sampler)
    measured = world.group("rush")
    load = {"concurrency": args.concurrency, "timeout": args.timeout, "request_timeout": args.request_timeout}

    def bare_run(tag: str) -> dict:
        before = cpu.snapshot()
        results, seconds = run_load(bare_requests(measured, bare_count, tag), port=http_port, **load)
        summary = summarise(results, seconds, ok=lambda r: r.status == 204)
        summary["cpu_ms_per_request"] = Cpu.per_request_ms(before, cpu.snapshot(), len(results))
        summary["rows_in_table"] = bare_rows(tag)
        log("bare insert %s: %s/s, p95 %s ms", tag, summary["per_s"], summary["latency_ms"]["p95"])
        return summary

    bare_before = bare_run("before")
    left = (world.deadline.timestamp() - time.time()) / 60
    log(
        "rush: %s applicants submit, %s in flight; %.1f minutes before the deadline",
        len(measured),
        args.concurrency,
        left,
    )
    result["minutes_before_deadline_at_start"] = round(left, 1)
    before = cpu.snapshot()
    rush_results, rush_seconds = run_load(submit_requests(measured), port=http_port, **load)
    rush_cpu = Cpu.per_request_ms(before, cpu.snapshot(), len(rush_results))
    ids = [a.application_id for a in measured]

    def submitted_ok(pk: int, response: Response) -> bool:
        return response.status == 302 and response.location == f"/applications/{pk}/"

    rush = summarise(
        rush_results,
        rush_seconds,
        ok=lambda r: r.status == 302 and r.location.startswith("/applications/"),
    )
    rush["succeeded"] = sum(1 for pk, r in zip(ids, rush_results, strict=True) if r and submitted_ok(pk, r))
    rush["per_s"] = rate(rush["succeeded"], rush_seconds)
    rush["form_rerendered_200"] = sum(1 for r in rush_results if r is not None and r.status == 200)
    rush["cpu_ms_per_request"] = rush_cpu
    log("rush: %s submits/s, p95 %s ms", rush["per_s"], rush["latency_ms"]["p95"])
    bare_after = bare_run("after")
    sampler.stop()

    server.stop()
    if args.defer_worker:
        worker.start()
    checks = check_rush(world, rush_results, sink, timeout=args.timeout)

    bare_best = max(bare_before["per_s"] or 0, bare_after["per_s"] or 0) or None
    result.update(
        {
            "submissions_per_s": rush["per_s"],
            "p50_ms": rush["latency_ms"]["p50"],
            "p95_ms": rush["latency_ms"]["p95"],
            "p99_ms": rush["latency_ms"]["p99"],
            "http_errors": rush["http_errors"],
            "lost": checks["lost"],
            "duplicate_confirmations": checks["duplicate_confirmations"],
            "missing_confirmations": checks["missing_confirmations"],
            "bare_insert_per_s": bare_best,
            "submit_vs_bare": round(bare_best / rush["per_s"], 2) if bare_best and rush["per_s"] else None,
            "rush": rush,
            "rush_checks": checks,
            "bare_insert": {"before": bare_before, "after": bare_after},
        }
    )
    ok = (
        rush["http_errors"] == 0
        and rush["succeeded"] == args.applicants
        and checks["lost"] == 0
        and checks["not_submitted"] == 0
        and checks["duplicate_confirmations"] == 0
        and checks["missing_confirmations"] == 0
        and not checks["confirmations_timed_out"]
    )
    worker.stop()
    redis_flush(args.redis_url)

    return ok


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--applicants", type=int, default=2000, help="applicants who submit (default 2000; 0 skips the rush)"
    )
    parser.add_argument("--concurrency", type=int, default=96, help="requests in flight (default 96)")
    parser.add_argument("--gunicorn-workers", type=int, default=5, help="gunicorn worker processes (default 5)")
    parser.add_argument(
        "--gunicorn-threads", type=int, default=1, help="threads per worker; >1 uses the gthread worker (default 1)"
    )
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery pool processes (default 2)")
    parser.add_argument(
        "--defer-worker",
        action="store_true",
        help="start the Celery worker only after the load (default: it runs during the rush, as in production)",
    )
    parser.add_argument("--deadline-minutes", type=float, default=10, help="call deadline after seeding (default 10)")
    parser.add_argument("--bare-requests", type=int, default=0, help="bare inserts per run (default: --applicants)")
    parser.add_argument("--profile", type=int, default=5, help="in-process submits whose queries are counted")
    parser.add_argument(
        "--changelist-rows", type=int, default=100_000, help="applications for the changelist (0 skips it)"
    )
    parser.add_argument(
        "--changelist-requests", type=int, default=21, help="GETs of the plain changelist per user (default 21)"
    )
    parser.add_argument(
        "--changelist-variant-requests",
        type=int,
        default=5,
        help="GETs of each filtered, searched or paged changelist per user (default 5)",
    )
    parser.add_argument(
        "--reminder-drafts", type=int, default=100_000, help="drafts for reminder planning (0 skips it)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="limit for each load phase and the email drain")
    parser.add_argument("--request-timeout", type=float, default=60, help="limit per HTTP request (default 60)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--redis-cache-url", default=os.environ.get("REDIS_CACHE_URL") or "")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--pg-jit",
        choices=["server", "off"],
        default="server",
        help="PostgreSQL JIT for this database: the server's setting (default) or off (ALTER DATABASE ... SET jit)",
    )
    parser.add_argument(
        "--celery-db-reuse-max",
        type=int,
        default=0,
        help="what-if: CELERY_DB_REUSE_MAX for the worker (keep its database connection across tasks); 0 = the "
        "project's setting",
    )
    args = parser.parse_args(argv)
    if not args.redis_cache_url:
        args.redis_cache_url = redis_url_with_db(args.redis_url, redis_db_of(args.redis_url) + 1)
    if min(args.concurrency, args.gunicorn_workers, args.gunicorn_threads) < 1:
        parser.error("--concurrency and the gunicorn sizes must be positive")
    if min(args.applicants, args.changelist_rows, args.reminder_drafts, args.profile, args.bare_requests) < 0:
        parser.error("sizes cannot be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bare_count = args.bare_requests or args.applicants
    result: dict = {
        "benchmark": "deadline_rush",
        "submissions": args.applicants,
        "submissions_per_s": None,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "http_errors": None,
        "lost": None,
        "duplicate_confirmations": None,
        "missing_confirmations": None,
        "bare_insert_per_s": None,
        "submit_vs_bare": None,
        "changelist_p95_ms": None,
        "changelist_queries": None,
        "reminder_planning_s": None,
        "settings": {
            "server": "gunicorn",
            "gunicorn_workers": args.gunicorn_workers,
            "gunicorn_threads": args.gunicorn_threads,
            "gunicorn_worker_class": "gthread" if args.gunicorn_threads > 1 else "sync",
            "concurrency": args.concurrency,
            "bare_requests_per_run": bare_count,
            "django_debug": False,
            "django_settings": SETTINGS_MODULE,
            "celery_worker_concurrency": args.worker_concurrency,
            "celery_worker_during_load": not args.defer_worker,
            "database": redact_url(args.database_url),
            "postgres_jit": args.pg_jit,
            "celery_db_reuse_max": args.celery_db_reuse_max or None,
            "broker": redact_url(args.redis_url),
            "cache": redact_url(args.redis_cache_url),
            "cpus": os.cpu_count(),
        },
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    running: dict = {}  # gunicorn, worker, sink, sampler: stopped in `finally`
    static_root = Path(tempfile.mkdtemp(prefix="bench-rush-static-"))
    ok = False
    try:
        sink_port, http_port = free_port(), free_port()
        env = bench_env(
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
            DATABASE_URL=args.database_url,
            REDIS_URL=args.redis_url,
            REDIS_CACHE_URL=args.redis_cache_url,
            EMAIL_URL=f"smtp://127.0.0.1:{sink_port}",
            EMAIL_TIMEOUT="20",
            SECURE_SSL_REDIRECT="false",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            SITE_URL=f"http://127.0.0.1:{http_port}",
            BENCH_STATIC_ROOT=str(static_root),
        )
        if args.celery_db_reuse_max:
            env["BENCH_CELERY_DB_REUSE_MAX"] = str(args.celery_db_reuse_max)
        log("fresh database %s", redact_url(args.database_url))
        postgres_recreate(args.database_url)
        if args.pg_jit == "off":
            postgres_set(args.database_url, "jit", "off")
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("collectstatic", "--noinput", "-v", "0", env=env)
        redis_flush(args.redis_url)
        redis_flush(args.redis_cache_url)
        setup_django(env)

        from django.db import connection

        from benchmarks.rush_urls import CREATE_BARE_TABLE

        with connection.cursor() as cursor:
            cursor.execute(CREATE_BARE_TABLE)

        password = _shared_password_hash()
        ok = True
        if args.applicants:
            ports = {"http": http_port, "sink": sink_port}
            ok = run_rush(args, env=env, ports=ports, password=password, running=running, result=result)
            running["worker"].stop()
            redis_flush(args.redis_url)

        if args.changelist_rows or args.reminder_drafts:
            # One pool of people: each applies to one cohort in ten (changelist) and to the
            # reminder call, as the unique (cohort, applicant) constraint needs.
            pool_size = max(-(-args.changelist_rows // 10), args.reminder_drafts)
            started = time.perf_counter()
            users = make_users(prefix="person", count=pool_size, password=password)
            result["seed_people_s"] = round(time.perf_counter() - started, 1)
            log("seeded %s people in %.1fs", pool_size, result["seed_people_s"])
        if args.changelist_rows:
            changelist = run_changelist(
                rows=args.changelist_rows,
                repeats=args.changelist_requests,
                other_repeats=args.changelist_variant_requests,
                users=users,
                password=password,
            )
            result["changelist"] = changelist
            superuser, staff = changelist["superuser"], changelist["program_staff"]
            result["changelist_p95_ms"] = superuser["plain"]["ms"]["p95"]
            result["changelist_queries"] = superuser["all"]["max_queries"]
            result["changelist_worst_variant_p95_ms"] = superuser["all"]["worst_variant_p95_ms"]
            result["changelist_staff_p95_ms"] = staff["plain"]["ms"]["p95"]
            result["changelist_staff_queries"] = staff["all"]["max_queries"]
            result["changelist_staff_worst_variant_p95_ms"] = staff["all"]["worst_variant_p95_ms"]
            log("changelist: p95 %s ms, %s queries", result["changelist_p95_ms"], result["changelist_queries"])
        if args.reminder_drafts:
            reminders = run_reminders(drafts=args.reminder_drafts, users=users)
            result["reminders"] = reminders
            result["reminder_planning_s"] = reminders["planning_s"]
            result["reminders_queued"] = reminders["reminders_queued"]
            log("reminders: %s queued in %ss", reminders["reminders_queued"], reminders["planning_s"])
            ok = ok and reminders["reminders_queued"] == args.reminder_drafts and reminders["second_run_queued"] == 0
        result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    except BaseException as error:
        result["error"] = f"{type(error).__name__}: {error}"
        log("failed: %s", result["error"])
        ok = False
        if not isinstance(error, Exception):
            raise
    finally:
        for name in ("gunicorn", "worker", "sink", "sampler"):
            if running.get(name) is not None:
                try:
                    running[name].stop()
                except Exception as error:  # noqa: BLE001 - stop the others regardless
                    log("could not stop %s: %s", name, error)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        for url in (args.redis_url, args.redis_cache_url):
            with contextlib.suppress(Exception):
                redis_flush(url)
        if not args.keep_db:
            try:
                postgres_drop(args.database_url)
            except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
                log("could not drop the database: %s", error)
        shutil.rmtree(static_root, ignore_errors=True)
        result["ok"] = ok
        emit_json(result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
