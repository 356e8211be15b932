"""LINE reminders end to end: set-based enqueue -> Redis -> Celery worker -> the fake LINE.

    .venv/bin/python benchmarks/line.py                                 # 20,000 reminders
    .venv/bin/python benchmarks/line.py --messages 500 --noop 500       # a quicker run
    .venv/bin/python benchmarks/line.py --small                         # CI smoke run (300 reminders, 2% 429s)

What it does:
1. Fresh PostgreSQL database and a Redis of its own (as every benchmark, `_common.BenchEnvironment`),
   the local fake LINE (`python -m incubator.linefake`) answering 429 on `--rate-429` (5%) of
   pushes, and an SMTP sink for the messages that fall back to email.
2. `--messages` people, each linked to LINE and a friend of the account, except `--blocked`
   (1%) whom the fake answers 400 ("unknown or blocked user"): those fall back to email.
3. Times `--noop` no-op tasks: the worker's ceiling on this machine (`noop_tasks_per_s`).
4. Queues one deadline reminder per person through the real set-based enqueue
   (`queue_mail_from_rows`, which chooses the LINE channel in SQL), starts a real Celery worker,
   and kills it with `kill -9` once a third of the pushes are in; a new worker takes over, the
   sweeper (every `--sweep-every` s, as beat) recovers the rows the dead worker held.
5. Waits until every row is sent; checks: `duplicates_at_line` (a push LINE accepted twice:
   the same retry key accepted twice, or the same message accepted under two keys; must be 0),
   `lost` (people who got their reminder neither on LINE nor by email; must be 0).

Prints ONE JSON object on stdout (`line_messages`, `line_per_s`, `noop_tasks_per_s`,
`duplicates_at_line`, `lost`, `fell_back_to_email`, `worker_killed`, ...); logs go to stderr.
`line_per_s` covers every message until the last retried one (429s wait out the outbox's
backoff, 30 s then 60 s); `line_per_s_first_90pct` is the rate while the bulk goes out.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BIN,
    BenchEnvironment,
    CeleryWorker,
    ServerProcess,
    emit_json,
    free_port,
    log,
    make_users,
    parse_with_small,
    rate,
    redact_url,
    shared_password_hash,
    start_sink,
    stop_on_signals,
    wait_until,
)
from benchmarks.outbox import Sweeper, run_noop

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_line"
PREFIX = "bench-line"
TEMPLATE = "incubator/test"


class FakeLineProcess(ServerProcess):
    name = "fake LINE"

    def __init__(self, *, port: int, rate_429: float, env: dict[str, str]) -> None:
        self.port = port
        self.env = env
        self.args = [str(BIN / "python"), "-m", "incubator.linefake", "--port", str(port), "--rate-429", str(rate_429)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, path: str, data: dict | None = None) -> dict:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(self.url + path, data=body, method="POST" if body is not None else "GET")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - our own fake on 127.0.0.1
            return json.loads(answer.read())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=20_000, help="LINE reminders (default 20000)")
    parser.add_argument("--noop", type=int, default=5_000, help="no-op tasks for the ceiling (default 5000)")
    parser.add_argument("--rate-429", type=float, default=0.05, help="share of pushes answered 429 (default 0.05)")
    parser.add_argument("--blocked", type=float, default=0.01, help="share of people who blocked the account")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes (default 2)")
    parser.add_argument("--kill-at", type=float, default=0.33, help="kill -9 the worker at this share of pushes")
    parser.add_argument("--sweep-every", type=float, default=2.0, help="outbox_sweep() every S seconds")
    parser.add_argument("--timeout", type=float, default=1200, help="give up after S seconds")
    parser.add_argument(
        "--queued-grace-s", type=int, default=60, help="OUTBOX_QUEUED_GRACE_SECONDS: the sweeper re-dispatches "
        "rows queued this long, such as those the killed worker had taken from Redis (default 60)"
    )  # fmt: skip
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default="", help="a Redis db to use instead of a Redis of its own")
    parser.add_argument("--keep-db", action="store_true")
    # Small: fewer 429s, so that a message answered 429 twice (another 60 s of backoff) is rare, and
    # a shorter grace, so that the smoke run does not wait a minute for what the killed worker held.
    small = {"messages": 300, "noop": 200, "rate_429": 0.02, "queued_grace_s": 20, "timeout": 240}
    args = parse_with_small(parser, argv, small)
    if min(args.messages, args.noop, args.concurrency, args.queued_grace_s) < 1 or not 0 <= args.blocked < 1:
        parser.error("sizes must be positive and --blocked below 1")
    return args


def seed(count: int, blocked: float) -> list[str]:
    """`count` people linked to LINE and friends of the account; returns the blocked LINE ids."""
    from incubator.models import LineContact

    users = make_users(prefix=f"{PREFIX}-", count=count, password=shared_password_hash())
    every = max(int(1 / blocked), 1) if blocked else 0
    contacts = [
        LineContact(user=user, line_user_id=f"U{index:032x}", is_friend=True) for index, user in enumerate(users)
    ]
    LineContact.objects.bulk_create(contacts, batch_size=5000)
    return [contact.line_user_id for index, contact in enumerate(contacts) if every and index % every == every - 1]


def queue_reminders() -> tuple[int, float]:
    from django.db import transaction
    from django.db.models import F

    from incubator import channels, mail
    from incubator.enums import MessageKind
    from incubator.models import User

    channels.register_message_kind(TEMPLATE, MessageKind.APPLICATION)  # a reminder: LINE once reachable
    started = time.perf_counter()
    with transaction.atomic():
        ids = mail.queue_mail_from_rows(
            User.objects.filter(email__startswith=f"{PREFIX}-"),
            key=[PREFIX, F("pk")],
            recipient="",
            template=TEMPLATE,
            context=lambda marks: {"name": marks["name"]},
            per_person={"name": mail.recipient_name()},
        )
    return len(ids), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "line",
        "line_messages": args.messages,
        "line_per_s": None,
        "noop_tasks_per_s": None,
        "duplicates_at_line": None,
        "lost": None,
        "fell_back_to_email": None,
        "worker_killed": False,
        "rate_429": args.rate_429,
        "blocked_share": args.blocked,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    ok = False
    smtp_port, line_port = free_port(), free_port()
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        keep_db=args.keep_db,
        extra_env={
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
            "LINE_CHANNEL_SECRET": "bench-secret",
            "LINE_API_HOST": f"http://127.0.0.1:{line_port}",
            # A worker killed mid-push leaves rows in `sending`; the sweeper gives them back soon.
            "OUTBOX_SENDING_TIMEOUT_SECONDS": "15",
            "OUTBOX_QUEUED_GRACE_SECONDS": str(args.queued_grace_s),
        },
    )
    workers: list[CeleryWorker] = []
    fake: FakeLineProcess | None = None
    controller = None
    sweeper = None
    entered = False
    try:
        environment.__enter__()
        entered = True
        env = environment.env
        fake = FakeLineProcess(port=line_port, rate_429=args.rate_429, env=env).start()
        if not wait_until(lambda: _answers(fake), timeout=60, interval=0.2):
            raise RuntimeError("the fake LINE did not start")
        sink, controller = start_sink(smtp_port)

        log("seeding %s people on LINE", args.messages)
        blocked = seed(args.messages, args.blocked)
        fake.call("/_fake/config", {"blocked": blocked})

        def new_worker(index: int) -> CeleryWorker:
            worker = CeleryWorker(
                env=env,
                concurrency=args.concurrency,
                imports=["benchmarks.noop_tasks"],
                hostname=f"bench-line-{index}@%h",
            )
            workers.append(worker.start())
            return worker

        worker = new_worker(0)
        warm = run_noop(args.concurrency * 10, timeout=120)
        if warm["timed_out"]:
            raise RuntimeError("the worker did not start consuming within 120s")
        noop = run_noop(args.noop, timeout=args.timeout)
        result["noop_tasks_per_s"] = noop["per_s"]

        from incubator.enums import Channel, EmailState
        from incubator.models import OutboundEmail

        rows = OutboundEmail.objects.filter(key__startswith=f"{PREFIX}:")
        sweeper = Sweeper(args.sweep_every)
        sweeper.start()
        started = time.perf_counter()
        queued, queue_seconds = queue_reminders()
        result["queued"] = queued
        result["queue_seconds"] = round(queue_seconds, 3)
        result["queued_on_line"] = rows.filter(channel=Channel.LINE).count()
        log("queued %s reminders in %.2fs", queued, queue_seconds)

        kill_at = int(args.messages * args.kill_at)
        if wait_until(lambda: fake.call("/_fake/state")["accepted"] >= kill_at, timeout=args.timeout, interval=0.2):
            log("kill -9 the worker at %s pushes", fake.call("/_fake/state")["accepted"])
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
            result["worker_killed"] = True
            result["sending_when_killed"] = rows.filter(state=EmailState.SENDING).count()
            new_worker(1)

        most = int(result["queued_on_line"] * 0.9)
        if wait_until(lambda: fake.call("/_fake/state")["accepted"] >= most, timeout=args.timeout, interval=0.5):
            # The rate while the bulk goes out, before the tail of 429 retries waits out its backoff.
            result["line_per_s_first_90pct"] = rate(most, time.perf_counter() - started)
        finished = wait_until(
            lambda: rows.exclude(state__in=[EmailState.SENT, EmailState.FAILED]).count() == 0,
            timeout=args.timeout,
            interval=1.0,
        )
        seconds = time.perf_counter() - started
        sweeps = sweeper.stop()
        sweeper = None
        state = fake.call("/_fake/state")
        time.sleep(1.0)

        on_line = rows.filter(state=EmailState.SENT, channel=Channel.LINE).count()
        by_email = rows.filter(state=EmailState.SENT, channel=Channel.EMAIL).count()
        _received, email_distinct, _first = sink.snapshot(f"{PREFIX}:")
        db_states: dict[str, int] = {}
        for value in rows.values_list("state", flat=True).iterator(chunk_size=5000):
            db_states[value] = db_states.get(value, 0) + 1
        result.update(
            {
                "line_per_s": rate(on_line, seconds),
                "seconds": round(seconds, 3),
                "sent_on_line": on_line,
                "line_accepted_pushes": state["accepted"],
                "line_409_answers": state["conflicts_409"],
                "line_429_answers": state["answered_429"],
                "duplicates_at_line": state["retry_keys_accepted_twice"] + state["same_message_accepted_twice"],
                "fell_back_to_email": by_email,
                "email_received": email_distinct,
                "lost": args.messages - state["accepted"] - email_distinct,
                "db_states": db_states,
                "rows_with_retries": rows.filter(attempts__gt=1).count(),
                "sweeper": sweeps,
                "timed_out": not finished,
                "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
        ok = (
            finished
            and result["duplicates_at_line"] == 0
            and result["lost"] == 0
            and result["worker_killed"]
            and db_states == {EmailState.SENT: args.messages}
        )
    except BaseException as error:
        result["error"] = f"{type(error).__name__}: {error}"
        log("failed: %s", result["error"])
        if not isinstance(error, Exception):
            raise
    finally:
        if sweeper is not None:
            sweeper.stop()
        for worker in workers:
            worker.stop()
        if fake is not None:
            fake.stop()
        if controller is not None:
            controller.stop()
        if entered:
            environment.__exit__(None, None, None)
        result["ok"] = ok
        emit_json(result)
    return 0 if ok else 1


def _answers(fake: FakeLineProcess) -> bool:
    try:
        fake.call("/_fake/state")
    except OSError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
