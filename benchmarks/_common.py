"""Helpers that the benchmark scripts share.

Benchmarks are scripts, not tests: each one prints ONE JSON object to stdout and logs to stderr.
They run against the real services of this machine (PostgreSQL, Redis) and start real Celery
workers as subprocesses. Nothing here is imported by the project itself.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Settings every benchmark process (and its workers) runs under: production mode, quiet logs,
# real broker. The secret is a throwaway: these processes serve no web request.
BASE_ENV = {
    "DJANGO_SETTINGS_MODULE": "incubator.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_TESTING": "false",
    "SECRET_KEY": "benchmark-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "PYTHONUNBUFFERED": "1",
}


# --- output ---------------------------------------------------------------------------------


def log(message: str, *args: object) -> None:
    """One line to stderr, prefixed with the time since the process started."""
    text = message % args if args else message
    print(f"[{time.monotonic() - _STARTED:8.2f}s] {text}", file=sys.stderr, flush=True)


_STARTED = time.monotonic()


def emit_json(result: dict) -> None:
    """The benchmark's one result: a single JSON object on stdout."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


def rate(count: float, seconds: float | None) -> float | None:
    if not seconds or seconds <= 0:
        return None
    return round(count / seconds, 1)


def percentiles(values: Iterable[float], points: Sequence[float] = (50, 95, 99)) -> dict[str, float | None]:
    """Nearest-rank percentiles plus max and count, rounded to 0.1; None for an empty input."""
    data = sorted(values)
    out: dict[str, float | None] = {}
    for point in points:
        key = f"p{point:g}"
        if not data:
            out[key] = None
            continue
        rank = max(1, math.ceil(point / 100 * len(data)))
        out[key] = round(data[rank - 1], 1)
    out["max"] = round(data[-1], 1) if data else None
    out["count"] = len(data)
    return out


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass. Returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (there is a small race; good enough locally)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- URLs -----------------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def redis_url_with_db(url: str, db: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def redis_db_of(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path else 0


# --- services -------------------------------------------------------------------------------


def _postgres_admin_conninfo(url: str) -> tuple[dict, str]:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    conninfo = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 10,
    }
    if parts.password:
        conninfo["password"] = unquote(parts.password)
    return conninfo, name


def _check_bench_name(name: str) -> None:
    # The benchmark drops and recreates this database: refuse anything that is not obviously
    # a scratch database, so that a stray DATABASE_URL cannot wipe real data.
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")


def postgres_recreate(url: str) -> None:
    """Drop (if it exists) and create the database named in `url`."""
    import psycopg
    from psycopg import sql

    conninfo, name = _postgres_admin_conninfo(url)
    _check_bench_name(name)
    with psycopg.connect(**conninfo) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def postgres_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    conninfo, name = _postgres_admin_conninfo(url)
    _check_bench_name(name)
    with psycopg.connect(**conninfo) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def redis_flush(url: str) -> None:
    """FLUSHDB on the one Redis database named in `url` (never FLUSHALL)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def bench_env(**overrides: str) -> dict[str, str]:
    """The environment for the benchmark's subprocesses: ours, plus BASE_ENV, plus overrides."""
    env = dict(os.environ)
    env.update(BASE_ENV)
    env.update(overrides)
    return env


def apply_env(env: dict[str, str]) -> None:
    """Make this process see `env` (before Django is set up)."""
    os.environ.update(env)


def manage(*args: str, env: dict[str, str], timeout: float = 600) -> None:
    """Run `manage.py <args>` in the project root; output goes to stderr."""
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=sys.stderr,
        stderr=sys.stderr,
        check=True,
        timeout=timeout,
    )


def setup_django(env: dict[str, str]) -> None:
    """Set up Django in this process under `env` (ROOT goes on sys.path)."""
    apply_env(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Celery workers ---------------------------------------------------------------------------


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A server subprocess in its own process group (so it can be stopped with its children),
    output to our stderr."""
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr, start_new_session=True
    )


class ServerProcess:
    """A server subprocess (`args`, `env`) in its own process group. `stop()` asks for a graceful
    shutdown (SIGTERM), then kills the whole group (workers, pool children) after `grace` s."""

    name = "process"
    args: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None

    def start(self):
        log("starting %s: %s", self.name, " ".join(self.args[1:]))
        self.process = spawn(self.args, self.env)
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 20) -> None:
        process = self.process
        if process is None:
            return
        pid = process.pid
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log("%s %s did not stop in %ss; killing its process group", self.name, pid, grace)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log("%s %s still not reaped", self.name, pid)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class CeleryWorker(ServerProcess):
    """One `celery -A incubator worker` subprocess (SIGTERM is its warm shutdown). Its output
    goes to our stderr so that stdout stays one JSON object."""

    name = "worker"

    def __init__(
        self,
        *,
        env: dict[str, str],
        concurrency: int = 2,
        pool: str = "prefork",
        queues: str = "celery",
        imports: Sequence[str] = (),
        loglevel: str = "WARNING",
        hostname: str | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.env = env
        self.concurrency = concurrency
        self.args = [
            str(BIN / "celery"),
            "-A",
            "incubator",
            "worker",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            "-Q",
            queues,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            loglevel,
        ]
        if imports:
            # One -I with a comma-separated list: a repeated -I replaces the previous one.
            self.args += ["-I", ",".join(imports)]
        if hostname:
            self.args += ["-n", hostname]
        self.args += list(extra_args)
        self.process: subprocess.Popen | None = None


# --- CPU accounting -------------------------------------------------------------------------
# Wall-clock rates on a shared 2-core machine move with whatever else runs; CPU seconds spent
# per item in each component are steadier and say where the time goes.

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(path: str) -> list[str] | None:
    try:
        with open(path) as handle:
            text = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after the last ')'.
    return text.rpartition(")")[2].split()


def proc_cpu_seconds(pid: int, *, task: int | None = None, reaped_children: bool = True) -> float:
    """utime + stime of a process (or one of its threads), plus its reaped children's."""
    path = f"/proc/{pid}/task/{task}/stat" if task else f"/proc/{pid}/stat"
    fields = _stat_fields(path)
    if fields is None:
        return 0.0
    # After ')': state is fields[0], so utime/stime/cutime/cstime (stat fields 14-17) are 11-14.
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children and task is None:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants (from /proc/<pid>/task/*/children)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
    return pids


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process tree: live members plus the children they have reaped."""
    return sum(proc_cpu_seconds(member) for member in process_tree(pid))


def processes_named(name: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as handle:
                if handle.read().strip() == name:
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def postgres_cpu_seconds() -> float:
    """All local `postgres` processes plus the backends they reaped (server-wide: other users
    of this PostgreSQL show up here too)."""
    return sum(proc_cpu_seconds(pid) for pid in processes_named("postgres"))


def redis_cpu_seconds(url: str) -> float:
    """The Redis server's own CPU seconds (INFO cpu; server-wide)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        info = client.info("cpu")
    finally:
        client.close()
    return float(info.get("used_cpu_user", 0)) + float(info.get("used_cpu_sys", 0))


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / _TICK, total / _TICK


class CpuMeter:
    """Snapshots of CPU seconds per component; `delta()` between two snapshots.

    Components: `workers` (the given worker process trees), `bench` (this process, including
    its SMTP sink thread), `sink` (that thread alone, if its native id is given), `postgres`
    and `redis` (server-wide), `machine_busy`/`machine_total` (all CPUs together).
    """

    def __init__(self, *, worker_pids: Sequence[int], redis_url: str, sink_thread_id: int | None = None) -> None:
        self.worker_pids = list(worker_pids)
        self.redis_url = redis_url
        self.sink_thread_id = sink_thread_id

    def snapshot(self) -> dict[str, float]:
        busy, total = machine_cpu_seconds()
        usage = time.process_time()
        snap = {
            "workers": sum(tree_cpu_seconds(pid) for pid in self.worker_pids),
            "bench": usage,
            "postgres": postgres_cpu_seconds(),
            "redis": redis_cpu_seconds(self.redis_url),
            "machine_busy": busy,
            "machine_total": total,
        }
        if self.sink_thread_id:
            snap["sink"] = proc_cpu_seconds(os.getpid(), task=self.sink_thread_id)
        return snap

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {key: round(after[key] - before[key], 3) for key in before if key in after}

    @staticmethod
    def per_item_ms(delta: dict[str, float], items: int) -> dict[str, float]:
        """CPU milliseconds per item for each component (machine_total left out)."""
        if items <= 0:
            return {}
        return {key: round(value / items * 1000, 3) for key, value in delta.items() if key != "machine_total"}
