"""End-to-end benchmark of the mail outbox: queue_mail -> Redis -> Celery worker -> SMTP.

    .venv/bin/python benchmarks/outbox.py                       # 20,000 emails, 20,000 no-ops
    .venv/bin/python benchmarks/outbox.py --emails 500 --noop 500   # smoke test

What it does:
1. Creates a fresh PostgreSQL database (`--database-url`; its name must contain "bench"), runs
   `manage.py migrate` on it, and starts a Redis server of its own on a free port (broker db 0,
   cache db 1); `--redis-url` uses a given db (and the next one, both flushed) instead.
2. Starts an aiosmtpd sink on 127.0.0.1 in this process; it counts messages per `X-Outbox-Key`.
3. Starts a real `celery -A incubator worker` (prefork) pointed at that database, Redis and sink,
   with `-I benchmarks.noop_tasks` for the no-op ceiling.
4. Warms the worker up, then times `--noop` no-op tasks (each INCRs a Redis counter) from first
   publish until the counter reaches the count: `noop_tasks_per_s`, this machine's ceiling.
5. Times `--emails` emails through the real `queue_mail` path (a template override rendered per
   email, `--batch` emails per transaction, dispatched after each commit) from the first queue_mail until
   the sink has received every key: `emails_per_s`.
6. Checks the database (every row `sent`) and the sink: duplicates = received - distinct keys,
   lost = emails - distinct keys. Both must be 0; the exit status is 1 otherwise.
7. With `--breakdown N`, also sends N more emails in this process, without Celery, timing each
   step (claim, SMTP, mark sent) and counting its queries, to show where a worker's time goes.

Prints ONE JSON object on stdout; logs go to stderr. Workers, sink, Redis and database are cleaned up
even on failure or Ctrl-C (`--keep-db` keeps the database for inspection).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BenchEnvironment,
    CeleryWorker,
    CountingSink,
    CpuMeter,
    emit_json,
    free_port,
    log,
    parse_with_small,
    percentiles,
    rate,
    redact_url,
    start_sink,
    stop_on_signals,
    wait_until,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_outbox"
TEMPLATE_NAME = "benchmarks/outbox"
KEY_PREFIX = "bench-outbox"
WARMUP_PREFIX = "bench-warmup"
BREAKDOWN_PREFIX = "bench-breakdown"


# --- phases -----------------------------------------------------------------------------------


def run_noop(count: int, *, timeout: float, meter: CpuMeter | None = None) -> dict:
    """Publish `count` no-op tasks; time until the worker has run them all."""
    import redis
    from django.conf import settings

    from benchmarks.noop_tasks import COUNTER_KEY, noop

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(COUNTER_KEY)
    done = lambda: int(client.get(COUNTER_KEY) or 0)  # noqa: E731
    cpu_before = meter.snapshot() if meter else None
    started = time.perf_counter()
    for _ in range(count):
        noop.apply_async()
    published = time.perf_counter()
    finished = wait_until(lambda: done() >= count, timeout=timeout, interval=0.01)
    ended = time.perf_counter()
    completed = done()
    client.close()
    if not finished:
        log("no-op phase timed out after %ss: %s of %s done", timeout, completed, count)
    result = {
        "count": count,
        "completed": completed,
        "publish_seconds": round(published - started, 3),
        "seconds": round(ended - started, 3),
        "per_s": rate(completed, ended - started),
        "timed_out": not finished,
    }
    if meter and cpu_before:
        cpu = CpuMeter.delta(cpu_before, meter.snapshot())
        result["cpu_seconds"] = cpu
        result["cpu_ms_per_task"] = CpuMeter.per_item_ms(cpu, completed)
    return result


def queue_emails(*, prefix: str, count: int, batch: int) -> float:
    """Queue `count` emails through queue_mail, `batch` per transaction. Returns seconds taken."""
    from django.db import transaction

    from incubator.mail import queue_mail

    started = time.perf_counter()
    for first in range(0, count, batch):
        with transaction.atomic():
            for n in range(first, min(first + batch, count)):
                queue_mail(
                    key=f"{prefix}:{n:06d}",
                    to=f"applicant{n:06d}@example.org",
                    template=TEMPLATE_NAME,
                    context={"n": n, "name": f"ผู้สมัคร {n}", "cohort": "Social Incubator รุ่นที่ 3"},
                    language="th",
                )
    return time.perf_counter() - started


class Sweeper(threading.Thread):
    """Calls outbox_sweep() every `interval` seconds, as beat does in production."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="outbox-sweeper", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self.runs: list[dict[str, int]] = []

    def run(self) -> None:
        from django.db import connection

        from incubator.tasks import outbox_sweep

        try:
            while not self.stopping.wait(self.interval):
                self.runs.append(outbox_sweep())
                log("sweep: %s", self.runs[-1])
        finally:
            connection.close()

    def stop(self) -> dict[str, int]:
        self.stopping.set()
        self.join(timeout=30)
        return {
            "sweeps": len(self.runs),
            "recovered": sum(run["recovered"] for run in self.runs),
            "dispatched": sum(run["dispatched"] for run in self.runs),
        }


def run_emails(
    sink: CountingSink, *, count: int, batch: int, timeout: float, meter: CpuMeter | None = None, sweep_every: float = 0
) -> dict:
    """Queue `count` emails and wait until the sink has every key (or `timeout` passes)."""
    from incubator.models import OutboundEmail

    sweeper = Sweeper(sweep_every) if sweep_every else None
    cpu_before = meter.snapshot() if meter else None
    wall_started = time.time()
    if sweeper:
        sweeper.start()
    queue_seconds = queue_emails(prefix=KEY_PREFIX, count=count, batch=batch)
    log("queued %s emails in %.2fs; waiting for the sink", count, queue_seconds)
    finished = wait_until(lambda: sink.distinct(KEY_PREFIX) >= count, timeout=timeout, interval=0.02)
    cpu_after = meter.snapshot() if meter else None
    if not finished:
        log("email phase timed out after %ss: %s of %s keys arrived", timeout, sink.distinct(KEY_PREFIX), count)
    sweeps = sweeper.stop() if sweeper else None
    # Let late duplicates (if any) show up before counting.
    time.sleep(1.0)
    received, distinct, first_at = sink.snapshot(f"{KEY_PREFIX}:")
    last_arrival = max(first_at.values(), default=wall_started)
    end_to_end = last_arrival - wall_started

    rows = OutboundEmail.objects.filter(key__startswith=f"{KEY_PREFIX}:")
    states: dict[str, int] = {}
    for state in rows.values_list("state", flat=True).iterator(chunk_size=5000):
        states[state] = states.get(state, 0) + 1
    latencies_ms = [
        (first_at[key] - created_at.timestamp()) * 1000
        for key, created_at in rows.values_list("key", "created_at").iterator(chunk_size=5000)
        if key in first_at
    ]
    result = {
        "count": count,
        "received": received,
        "distinct": distinct,
        "duplicates": received - distinct,
        "lost": count - distinct,
        "queue_seconds": round(queue_seconds, 3),
        "drain_seconds": round(max(end_to_end - queue_seconds, 0.0), 3),
        "end_to_end_seconds": round(end_to_end, 3),
        "per_s": rate(distinct, end_to_end),
        "queue_per_s": rate(count, queue_seconds),
        "db_states": states,
        "rows_with_retries": rows.filter(attempts__gt=1).count(),
        "latency_ms": percentiles(latencies_ms),
        "timed_out": not finished,
    }
    if sweeps is not None:
        result["sweeper"] = sweeps
    if cpu_before and cpu_after:
        cpu = CpuMeter.delta(cpu_before, cpu_after)
        result["cpu_seconds"] = cpu
        result["cpu_ms_per_email"] = CpuMeter.per_item_ms(cpu, distinct)
    return result


def run_breakdown(sink: CountingSink, *, count: int) -> dict:
    """Time, in this process and without Celery, each step an email takes; ms per email.

    queue: queue_mail inside a transaction (render + INSERT), its dispatch left out;
    dispatch: the apply_async that on_commit does (one Redis publish);
    db_connect: opening a PostgreSQL connection (Celery's Django fixup closes the connection
    before and after every task, so each outbox_send opens a new one);
    claim: outbox_claim (conditional UPDATE + SELECT);
    deliver: outbox_deliver (SMTP with a new connection + the mark-sent UPDATE);
    smtp_new_connection / smtp_reused_connection: the SMTP exchange alone, each message on a
    new connection (what outbox_deliver does) or all on one.
    """
    from unittest import mock

    import redis
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives, get_connection
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incubator import delivery
    from incubator.models import OutboundEmail
    from incubator.tasks import outbox_send

    timings: dict[str, float] = {}
    queries: dict[str, int] = {}

    def timed(name: str, func, *args, **kwargs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            value = func(*args, **kwargs)
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
        queries[name] = queries.get(name, 0) + len(captured)
        return value

    # Queue the rows without dispatching them: the worker must not race us for them.
    with mock.patch("incubator.mail.dispatch_on_commit"):
        timed("queue", queue_emails, prefix=BREAKDOWN_PREFIX, count=count, batch=count)
    ids = list(
        OutboundEmail.objects.filter(key__startswith=f"{BREAKDOWN_PREFIX}:").order_by("pk").values_list("pk", flat=True)
    )
    for pk in ids:
        email = timed("claim", delivery.outbox_claim, email_id=pk)
        timed("deliver", delivery.outbox_deliver, email=email)

    def reconnect() -> None:
        connection.close()
        connection.ensure_connection()

    for _ in range(count):
        timed("db_connect", reconnect)

    sample = OutboundEmail.objects.get(pk=ids[0])

    def send(conn) -> None:
        EmailMultiAlternatives(
            subject=sample.subject,
            body=sample.body_text,
            to=[sample.to],
            connection=conn,
            headers={"X-Outbox-Key": f"{BREAKDOWN_PREFIX}-smtp:{sample.pk}"},
        ).send()

    for _ in range(count):
        timed("smtp_new_connection", lambda: send(get_connection()))
    with get_connection() as conn:
        for _ in range(count):
            timed("smtp_reused_connection", send, conn)
    # The publish alone, to a queue that no worker consumes (then deleted).
    for pk in ids:
        timed("dispatch", outbox_send.apply_async, args=[pk], retry=False, queue=BREAKDOWN_PREFIX)
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.delete(BREAKDOWN_PREFIX, *client.scan_iter(match=f"_kombu.binding*.{BREAKDOWN_PREFIX}"))
    finally:
        client.close()

    result: dict = {"emails": count}
    for name, seconds in timings.items():
        result[f"{name}_ms"] = round(seconds / count * 1000, 3)
        if queries.get(name):
            result[f"{name}_queries"] = round(queries[name] / count, 2)
    result["sent"] = OutboundEmail.objects.filter(pk__in=ids, state="sent").count()
    return result


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--emails", type=int, default=20_000, help="emails to queue and send (default 20000)")
    parser.add_argument("--noop", type=int, default=20_000, help="no-op tasks for the ceiling (default 20000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="worker subprocesses (default 1)")
    parser.add_argument("--batch", type=int, default=500, help="emails per queueing transaction (default 500)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for each phase (default 900)")
    parser.add_argument("--breakdown", type=int, default=0, help="also time N emails step by step, in-process")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default="", help="use this Redis db (and the next, flushed) instead of starting one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--sweep-every",
        type=float,
        default=0,
        help="call outbox_sweep() every N seconds during the email phase, as beat would (default: off)",
    )
    parser.add_argument(
        "--settings",
        default="incubator.settings",
        help="DJANGO_SETTINGS_MODULE for this process and the workers, to measure a tuning (importable from "
        "the project root or PYTHONPATH)",
    )
    parser.add_argument(
        "--worker-import", action="append", default=[], help="extra module for the workers to import (-I); repeatable"
    )
    args = parse_with_small(parser, argv, {"emails": 200, "noop": 200, "batch": 100})
    if min(args.emails, args.noop, args.concurrency, args.workers, args.batch) < 1:
        parser.error("counts must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "outbox",
        "emails": args.emails,
        "emails_per_s": None,
        "noop_tasks": args.noop,
        "noop_tasks_per_s": None,
        "duplicates": None,
        "lost": None,
        "worker_concurrency": args.concurrency,
        "workers": args.workers,
        "batch": args.batch,
        "database": redact_url(args.database_url),
        "settings": args.settings,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    workers: list[CeleryWorker] = []
    controller = None
    ok = False
    port = free_port()
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        settings_module=args.settings,
        keep_db=args.keep_db,
        extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{port}", "EMAIL_TIMEOUT": "20"},
    )
    entered = False
    try:
        environment.__enter__()
        entered = True
        env = environment.env
        result["broker"] = redact_url(environment.redis_url)
        result["broker_is_own_redis"] = environment.redis is not None

        from incubator.models import EmailTemplate

        EmailTemplate.objects.create(
            name=TEMPLATE_NAME,
            language="th",
            subject="ยืนยันการสมัคร {{ cohort }} #{{ n }}",
            body_text=(
                "เรียน {{ name }}\n\n"
                "เราได้รับใบสมัครของคุณสำหรับ {{ cohort }} แล้ว ทีมงานจะติดต่อกลับภายใน 14 วัน\n"
                "ดูสถานะใบสมัครได้ที่ {{ site_url }}/applications/{{ n }}/\n\n"
                "Dear {{ name }}, we have received your application to {{ cohort }}.\n"
            ),
        )

        sink, controller = start_sink(port)
        for index in range(args.workers):
            worker = CeleryWorker(
                env=env,
                concurrency=args.concurrency,
                imports=["benchmarks.noop_tasks", *args.worker_import],
                hostname=f"bench-outbox-{index}@%h",
            )
            workers.append(worker.start())

        # Warm up: workers consuming, pool processes forked, DB and SMTP paths exercised.
        warm = run_noop(args.concurrency * args.workers * 10, timeout=120)
        if warm["timed_out"] or not all(w.alive for w in workers):
            raise RuntimeError("workers did not start consuming within 120s")
        queue_emails(prefix=WARMUP_PREFIX, count=args.concurrency * args.workers * 5, batch=500)
        if not wait_until(lambda: sink.distinct(WARMUP_PREFIX) >= args.concurrency * args.workers * 5, timeout=60):
            raise RuntimeError("warm-up emails did not arrive within 60s")
        log("workers warm")
        meter = CpuMeter(
            worker_pids=[w.process.pid for w in workers],
            redis_url=environment.redis_url,
            sink_thread_id=controller._thread.native_id,
        )

        log("no-op phase: %s tasks", args.noop)
        noop = run_noop(args.noop, timeout=args.timeout, meter=meter)
        result["noop_tasks_per_s"] = noop["per_s"]
        result["noop"] = noop
        log("no-op: %s tasks/s", noop["per_s"])

        log("email phase: %s emails", args.emails)
        emails = run_emails(
            sink,
            count=args.emails,
            batch=args.batch,
            timeout=args.timeout,
            meter=meter,
            sweep_every=args.sweep_every,
        )
        result.update(
            {
                "emails_per_s": emails["per_s"],
                "duplicates": emails["duplicates"],
                "lost": emails["lost"],
                "queue_seconds": emails["queue_seconds"],
                "drain_seconds": emails["drain_seconds"],
                "end_to_end_seconds": emails["end_to_end_seconds"],
                "emails_received": emails["received"],
                "all_sent": emails["db_states"] == {"sent": args.emails},
                "db_states": emails["db_states"],
                "rows_with_retries": emails["rows_with_retries"],
                "queue_per_s": emails["queue_per_s"],
                "latency_ms": emails["latency_ms"],
                "timed_out": emails["timed_out"],
                "cpu_ms_per_email": emails.get("cpu_ms_per_email"),
                "cpu_ms_per_noop": noop.get("cpu_ms_per_task"),
                "emails_vs_noop": round(emails["per_s"] / noop["per_s"], 3)
                if emails["per_s"] and noop["per_s"]
                else None,
            }
        )
        log("emails: %s/s end to end", emails["per_s"])

        if args.breakdown:
            log("breakdown: %s emails step by step in-process", args.breakdown)
            result["breakdown"] = run_breakdown(sink, count=args.breakdown)
        if "sweeper" in emails:
            result["sweeper"] = emails["sweeper"]
        result["cpu_seconds_email_phase"] = emails.get("cpu_seconds")
        result["sink_messages_without_key"] = sink.without_key
        result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        ok = (
            result["duplicates"] == 0
            and result["lost"] == 0
            and result["all_sent"]
            and not emails["timed_out"]
            and not noop["timed_out"]
        )
    except BaseException as error:
        result["error"] = f"{type(error).__name__}: {error}"
        log("failed: %s", result["error"])
        if not isinstance(error, Exception):
            raise
    finally:
        for worker in workers:
            worker.stop()
        if controller is not None:
            controller.stop()
        if entered:
            environment.__exit__(None, None, None)
        result["ok"] = ok
        emit_json(result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
