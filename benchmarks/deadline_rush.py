"""Deadline rush: thousands of applicants submit in the last minutes, against gunicorn and PostgreSQL.

    .venv/bin/python benchmarks/deadline_rush.py                          # 2,000 applicants (3-6 min)
    .venv/bin/python benchmarks/deadline_rush.py --broker-outage-s 30     # the same, Redis down 30 s mid-rush
    .venv/bin/python benchmarks/deadline_rush.py --applicants 200         # smoke test (~1 min)

What it does:
1. Creates a fresh PostgreSQL database (its name must contain "bench"), migrates it, collects the
   static files into a scratch STATIC_ROOT (whitenoise's manifest needs them in production mode)
   and starts a Redis server of its own on a free port (broker db 0, cache db 1): never the
   machine's shared one, which it may stop for the outage drill.
2. Seeds one open call whose deadline is a few minutes ahead (three tracks, two questions of its
   own) and `--applicants` applicants with verified emails, complete drafts on all three tracks
   and consent to the current privacy notice, plus a signed-in session each (session rows are
   written directly, so the load is the submit and not the login) and a CSRF cookie.
3. Starts an SMTP sink, a real Celery worker, gunicorn (production settings: DJANGO_DEBUG=false,
   `benchmarks.rush_settings`, which only adds the bare-insert URL) and a sweeper that calls the
   outbox sweep every `--sweep-every` seconds, as beat does in production.
4. Profiles submits and bare inserts in-process (Django's test client): queries, and CPU per
   request (`submit_cpu_ms`, p50, measured without query capture).
5. Load, all against the same gunicorn with the same concurrency and request count: bare
   inserts, then every applicant POSTs the full form with action=submit exactly once, then bare
   inserts again. A submit succeeds when it answers 302 to the application's page. With
   `--broker-outage-s S`, the benchmark's Redis is killed once a quarter of the submits are
   answered and started again (empty, as after a crash) S seconds later.
6. Resident memory of the gunicorn workers and the Celery worker at the end of the rush.
7. Waits for the confirmation emails to arrive at the sink, then checks the database and the
   sink: lost (a success answer but not submitted), duplicate and missing confirmations, and
   how long after the rush (and after Redis came back) the last confirmation arrived.

Prints ONE JSON object on stdout; logs go to stderr. gunicorn, the worker, the sink, Redis and the
database are cleaned up even on failure or Ctrl-C (`--keep-db` keeps the database).
The admin changelist and reminder planning at scale are `admin_changelist.py` and
`reminder_planning.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
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
    ANSWER_TEXT,
    BIN,
    HEARD_FROM,
    BenchEnvironment,
    CeleryWorker,
    ServerProcess,
    children_of,
    free_port,
    loadavg,
    log,
    machine_cpu_seconds,
    make_users,
    org_fields,
    parse_with_small,
    percentiles,
    postgres_cpu_seconds,
    postgres_set,
    proc_cpu_seconds,
    process_tree,
    processes_named,
    rate,
    redact_url,
    reported,
    rss_mb,
    shared_password_hash,
    start_sink,
    stop_on_signals,
    track_fields,
    tree_cpu_seconds,
    wait_until,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_rush"
SETTINGS_MODULE = "benchmarks.rush_settings"
SUBMITTED_KEY_PREFIX = "application-submitted"
BARE_URL = "/bench/bare-insert/"
PRIVACY_VERSION = "2.1"


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


def _form_body(*, kind: str, n: int, csrf: str, questions: list, org: dict | None) -> bytes:
    """The application form as a browser posts it: every field, the final edit, action=submit."""
    from cohorts.enums import TrackKind

    fields = track_fields(kind, n)
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
            "_auth_user_backend": "incubator.roles.RoleModelBackend",
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
    org_data = {n: org_fields(n) for n in range(total) if tracks[n % 3].kind == TrackKind.ORGANISATION}
    organisations = dict(
        zip(
            org_data,
            Organisation.objects.bulk_create(
                [Organisation(created_by=users[n], **fields) for n, fields in org_data.items()], batch_size=5000
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
                **track_fields(tracks[n % 3].kind, n),
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
        body = _form_body(kind=tracks[n % 3].kind, n=n, csrf=csrf, questions=questions, org=org_data.get(n))
        world.applicants.append(
            Applicant(application_id=application.pk, session_key=session.session_key, csrf=csrf, body=body, group=group)
        )
    return world


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
    requests: list[Request],
    *,
    port: int,
    concurrency: int,
    timeout: float,
    request_timeout: float,
    progress: dict | None = None,
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
            if progress is not None:
                progress["answered"] = progress.get("answered", 0) + 1
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
    client, so the middleware is loaded once, as in a server process): CPU per request (p50,
    without query capture, which costs CPU itself), and the queries of the last one."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    out: dict = {}
    for name in ("bare", "submit"):
        ms, cpu_ms, status = [], [], Counter()
        for n, applicant in enumerate(applicants):
            client.cookies["sessionid"] = applicant.session_key
            client.cookies["csrftoken"] = applicant.csrf
            if name == "submit":
                path, body = f"/applications/{applicant.application_id}/edit/", applicant.body
            else:
                path = BARE_URL
                body = urlencode([("csrfmiddlewaretoken", applicant.csrf), ("payload", f"profile:{n}")]).encode()
            last = n == len(applicants) - 1
            with CaptureQueriesContext(connection) if last else _nothing() as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            status[response.status_code] += 1
            if last:
                out[f"{name}_queries"] = len(captured)
                out[f"{name}_statement_kinds"] = _statement_kinds(captured.captured_queries)
                if name == "submit":
                    out["submit_sql"] = [q["sql"][:120] for q in captured.captured_queries]
            elif n:  # the first request of each kind warms caches (content types, templates)
                ms.append(elapsed * 1000)
                cpu_ms.append(cpu * 1000)
        out[f"{name}_in_process_ms"] = percentiles(ms, (50,))
        out[f"{name}_in_process_cpu_ms"] = percentiles(cpu_ms, (50,))
        out[f"{name}_statuses"] = {str(k): v for k, v in status.items()}
    return out


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


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
    _received, _distinct, first_at = sink.snapshot(f"{SUBMITTED_KEY_PREFIX}:")
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
        "last_confirmation_at": max(first_at.values(), default=None),
        "confirmations_timed_out": not arrived,
        "statuses_in_db": dict(Counter(status_by_id.values())),
        "sink_messages_without_key": sink.without_key,
    }


class BrokerOutage(threading.Thread):
    """Kills the benchmark's own Redis once `begin()` is true, and starts it again (empty, as
    after a crash: queued tasks and the cache are gone) `seconds` later."""

    def __init__(self, redis, *, seconds: float, begin) -> None:
        super().__init__(name="broker-outage", daemon=True)
        self.redis = redis
        self.seconds = seconds
        self.begin = begin
        self.stopping = threading.Event()
        self.down_at: float | None = None
        self.up_at: float | None = None
        self.error = ""

    def run(self) -> None:
        try:
            while not self.begin():
                if self.stopping.wait(0.05):
                    return
            self.down_at = time.time()
            log("broker outage: killing Redis on port %s for %ss", self.redis.port, self.seconds)
            self.redis.stop(grace=0)
            time.sleep(self.seconds)
            self.redis.start()
            self.up_at = time.time()
            log("broker outage: Redis is back after %.1fs", self.up_at - self.down_at)
        except Exception as error:  # noqa: BLE001 - reported in the JSON
            self.error = f"{type(error).__name__}: {error}"
            log("broker outage failed: %s", self.error)

    def finish(self) -> dict:
        self.stopping.set()
        self.join(timeout=self.seconds + 30)
        return {
            "down_at": self.down_at,
            "up_at": self.up_at,
            "down_s": round(self.up_at - self.down_at, 1) if self.up_at and self.down_at else None,
            "error": self.error,
        }


class Sweeper(threading.Thread):
    """Runs the outbox sweep task's body every `interval` seconds, as beat does in production."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="outbox-sweeper", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self.runs: list[dict] = []

    def run(self) -> None:
        from django.db import connection

        from incubator.tasks import outbox_sweep

        try:
            while not self.stopping.wait(self.interval):
                try:
                    self.runs.append(outbox_sweep())
                except Exception as error:  # noqa: BLE001 - a failed sweep is retried next time, as beat would
                    self.runs.append({"error": f"{type(error).__name__}: {error}"})
                log("sweep: %s", self.runs[-1])
        finally:
            connection.close()

    def stop(self) -> dict:
        self.stopping.set()
        self.join(timeout=30)
        return {
            "interval_s": self.interval,
            "sweeps": len(self.runs),
            "recovered": sum(run.get("recovered", 0) for run in self.runs),
            "dispatched": sum(run.get("dispatched", 0) for run in self.runs),
            "errors": sum(1 for run in self.runs if "error" in run),
        }


class Supervisor(threading.Thread):
    """Restarts the Celery worker when it exits, as systemd or a container runtime does in
    production (a worker can die of a lost broker connection: a known race in kombu's Redis
    transport). Counts the restarts."""

    def __init__(self, worker: CeleryWorker, interval: float = 1.0) -> None:
        super().__init__(name="worker-supervisor", daemon=True)
        self.worker = worker
        self.interval = interval
        self.stopping = threading.Event()
        self.restarts: list[float] = []

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            if self.worker.process is not None and not self.worker.alive and not self.stopping.is_set():
                log("worker exited (status %s); restarting it", self.worker.process.returncode)
                self.restarts.append(time.time())
                self.worker.start()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def memory_mb(*, gunicorn_pid: int | None, worker_pid: int | None) -> dict:
    """Resident memory (MB) of each gunicorn worker and of the Celery worker's processes."""
    web = [rss_mb(pid) for pid in children_of(gunicorn_pid)] if gunicorn_pid else []
    worker = [rss_mb(pid) for pid in process_tree(worker_pid)] if worker_pid else []
    web, worker = [v for v in web if v is not None], [v for v in worker if v is not None]
    return {
        "web_rss_mb": max(web, default=None),
        "worker_rss_mb": max(worker, default=None),
        "web_workers_rss_mb": web,
        "celery_processes_rss_mb": worker,
        "celery_rss_mb_total": round(sum(worker), 1) if worker else None,
    }


def run_rush(args: argparse.Namespace, *, environment: BenchEnvironment, ports: dict[str, int], result: dict) -> bool:
    """The deadline rush against gunicorn (see the module doc). The processes it starts are
    stopped before it returns, also on failure. Returns whether its checks passed."""
    running: list = []
    try:
        return _run_rush(args, environment=environment, ports=ports, result=result, running=running)
    finally:
        for process in reversed(running):
            try:
                process.stop()
            except Exception as error:  # noqa: BLE001 - stop the others regardless
                log("could not stop %s: %s", type(process).__name__, error)


def _run_rush(
    args: argparse.Namespace, *, environment: BenchEnvironment, ports: dict[str, int], result: dict, running: list
) -> bool:
    from django.db import connection

    env = environment.env
    bare_count = args.bare_requests or args.applicants
    http_port, sink_port = ports["http"], ports["sink"]
    warmup_count = args.gunicorn_workers * args.gunicorn_threads * 4
    started = time.perf_counter()
    world = seed_rush(
        groups={"rush": args.applicants, "warmup": warmup_count, "profile": args.profile},
        deadline_minutes=args.deadline_minutes,
        password=shared_password_hash(),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result["seed_rush_s"] = round(time.perf_counter() - started, 1)
    log("seeded %s applicants in %.1fs", len(world.applicants), result["seed_rush_s"])

    sink, controller = start_sink(sink_port)
    running.append(controller)
    worker = CeleryWorker(env=env, concurrency=args.worker_concurrency, hostname="bench-rush@%h")
    running.append(worker)
    if not args.defer_worker:
        worker.start()
    supervisor = Supervisor(worker)
    supervisor.start()
    running.append(supervisor)

    if args.profile:
        profile = result["profile"] = profile_requests(world.group("profile"))
        result["submit_cpu_ms"] = profile["submit_in_process_cpu_ms"]["p50"]
        result["bare_cpu_ms"] = profile["bare_in_process_cpu_ms"]["p50"]
        log(
            "in-process: submit %s queries, %s ms CPU; bare insert %s queries, %s ms CPU",
            profile["submit_queries"],
            result["submit_cpu_ms"],
            profile["bare_queries"],
            result["bare_cpu_ms"],
        )

    server = Gunicorn(env=env, port=http_port, workers=args.gunicorn_workers, threads=args.gunicorn_threads).start()
    running.append(server)
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

    sampler = BackendSampler(urlsplit(environment.database_url).path.lstrip("/"))
    sampler.start()
    running.append(sampler)
    sweeper = Sweeper(args.sweep_every)
    sweeper.start()
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
    progress: dict = {"answered": 0}
    outage = None
    if args.broker_outage_s:
        quarter = max(1, len(measured) // 4)
        outage = BrokerOutage(
            environment.redis, seconds=args.broker_outage_s, begin=lambda: progress["answered"] >= quarter
        )
        outage.start()
    before = cpu.snapshot()
    rush_started = time.time()
    rush_results, rush_seconds = run_load(submit_requests(measured), port=http_port, progress=progress, **load)
    rush_ended = time.time()
    rush_cpu = Cpu.per_request_ms(before, cpu.snapshot(), len(rush_results))
    result.update(memory_mb(gunicorn_pid=server.pid, worker_pid=worker.process.pid if worker.process else None))
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
    drill = outage.finish() if outage else None
    bare_after = bare_run("after")
    sampler.stop()

    server.stop()
    if args.defer_worker:
        worker.start()
    checks = check_rush(world, rush_results, sink, timeout=args.timeout)
    sweeps = sweeper.stop()
    supervisor.stop()
    last = checks.pop("last_confirmation_at")

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
            "last_confirmation_after_rush_s": round(last - rush_ended, 1) if last else None,
            "rush_seconds": round(rush_ended - rush_started, 1),
            "rush": rush,
            "rush_checks": checks,
            "bare_insert": {"before": bare_before, "after": bare_after},
            "sweeper": sweeps,
            "worker_restarts": len(supervisor.restarts),
        }
    )
    if drill is not None:
        result["broker_outage_s"] = drill["down_s"]
        result["broker_outage"] = {
            **drill,
            "began_after_rush_start_s": round(drill["down_at"] - rush_started, 1) if drill["down_at"] else None,
            "rush_ended_after_broker_back_s": round(rush_ended - drill["up_at"], 1) if drill["up_at"] else None,
        }
        result["last_confirmation_after_broker_back_s"] = (
            round(last - drill["up_at"], 1) if last and drill["up_at"] else None
        )
    ok = (
        rush["http_errors"] == 0
        and rush["succeeded"] == args.applicants
        and checks["lost"] == 0
        and checks["not_submitted"] == 0
        and checks["duplicate_confirmations"] == 0
        and checks["missing_confirmations"] == 0
        and not checks["confirmations_timed_out"]
        and not (drill and (drill["error"] or drill["down_s"] is None))
    )
    return ok


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--applicants", type=int, default=2000, help="applicants who submit (default 2000)")
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
    parser.add_argument(
        "--broker-outage-s",
        type=float,
        default=0,
        help="kill the benchmark's own Redis once a quarter of the submits are answered, for this many seconds",
    )
    parser.add_argument(
        "--sweep-every", type=float, default=60, help="seconds between outbox sweeps, as beat runs them (default 60)"
    )
    parser.add_argument("--deadline-minutes", type=float, default=10, help="call deadline after seeding (default 10)")
    parser.add_argument("--bare-requests", type=int, default=0, help="bare inserts per run (default: --applicants)")
    parser.add_argument("--profile", type=int, default=25, help="in-process submits profiled (default 25)")
    parser.add_argument("--timeout", type=float, default=900, help="limit for each load phase and the email drain")
    parser.add_argument("--request-timeout", type=float, default=60, help="limit per HTTP request (default 60)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url",
        default="",
        help="use this Redis db (and the next, flushed) instead of starting one; not with --broker-outage-s",
    )
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
        help="what-if: CELERY_DB_REUSE_MAX for the worker; 0 = the project's setting",
    )
    args = parse_with_small(
        parser, argv, {"applicants": 60, "concurrency": 8, "gunicorn_workers": 2, "profile": 3, "sweep_every": 5}
    )
    if min(args.applicants, args.concurrency, args.gunicorn_workers, args.gunicorn_threads) < 1:
        parser.error("--applicants, --concurrency and the gunicorn sizes must be positive")
    if min(args.profile, args.bare_requests, args.broker_outage_s) < 0 or args.sweep_every <= 0:
        parser.error("sizes cannot be negative")
    if args.broker_outage_s and args.redis_url:
        parser.error("--broker-outage-s stops the benchmark's own Redis: leave --redis-url out")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    bare_count = args.bare_requests or args.applicants
    result: dict = {
        "benchmark": "deadline_rush",
        "submissions": args.applicants,
        "submissions_per_s": None,
        "bare_insert_per_s": None,
        "submit_vs_bare": None,
        "submit_cpu_ms": None,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "http_errors": None,
        "lost": None,
        "duplicate_confirmations": None,
        "missing_confirmations": None,
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
            "sweep_every_s": args.sweep_every,
            "database": redact_url(args.database_url),
            "postgres_jit": args.pg_jit,
            "celery_db_reuse_max": args.celery_db_reuse_max or None,
            "cpus": os.cpu_count(),
        },
        "loadavg_before": loadavg(),
    }
    sink_port, http_port = free_port(), free_port()
    extra_env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}",
        "EMAIL_TIMEOUT": "20",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": f"http://127.0.0.1:{http_port}",
    }
    if args.celery_db_reuse_max:
        extra_env["BENCH_CELERY_DB_REUSE_MAX"] = str(args.celery_db_reuse_max)
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        settings_module=SETTINGS_MODULE,
        collect_static=True,
        keep_db=args.keep_db,
        extra_env=extra_env,
    )
    with reported(result), environment:
        result["settings"]["broker"] = redact_url(environment.redis_url)
        result["settings"]["broker_is_own_redis"] = environment.redis is not None
        if args.pg_jit == "off":
            postgres_set(args.database_url, "jit", "off")
        from django.db import connection

        from benchmarks.rush_urls import CREATE_BARE_TABLE

        with connection.cursor() as cursor:
            cursor.execute(CREATE_BARE_TABLE)
        result["ok"] = run_rush(
            args, environment=environment, ports={"http": http_port, "sink": sink_port}, result=result
        )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
