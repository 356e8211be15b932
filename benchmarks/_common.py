"""Helpers that the benchmark scripts share.

Benchmarks are scripts, not tests: each one prints ONE JSON object to stdout and logs to stderr.
They run against the real services of this machine (PostgreSQL, Redis) and start real Celery
workers as subprocesses. Nothing here is imported by the project itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
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


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@contextlib.contextmanager
def reported(result: dict):
    """Run a benchmark's body and, whatever happens, print its `result` as the one JSON
    object: the body sets `result["ok"] = True` when its checks pass; an error is recorded
    (and re-raised only for Ctrl-C and the like) with `"ok": false`."""
    result["ok"] = False
    try:
        yield result
        result["loadavg_after"] = loadavg()
    except BaseException as error:
        result["ok"] = False
        result["error"] = f"{type(error).__name__}: {error}"
        log("failed: %s", result["error"])
        if not isinstance(error, Exception):
            raise
    finally:
        emit_json(result)


def parse_with_small(parser, argv: list[str] | None, small: dict[str, object]):
    """Parse `argv` with a `--small` flag added to `parser`: the smoke-run sizes `small` (argument
    dest -> value) become the defaults, so that flags given explicitly still win. CI runs every
    benchmark with `--small` (`make benchmarks-smoke`) so that none of them can rot."""
    sizes = " ".join(f"--{name.replace('_', '-')} {value}" for name, value in small.items())
    parser.add_argument("--small", action="store_true", help=f"smoke run at a small size ({sizes})")
    args = parser.parse_args(argv)
    if args.small:
        parser.set_defaults(**small)
        args = parser.parse_args(argv)
    return args


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


def postgres_clone(url: str, template: str) -> None:
    """Drop (if it exists) the database named in `url` and create it as a copy of the database
    `template` (already migrated: much quicker than migrating every time)."""
    import psycopg
    from psycopg import sql

    conninfo, name = _postgres_admin_conninfo(url)
    _check_bench_name(name)
    _check_bench_name(template)
    with psycopg.connect(**conninfo) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))


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


# --- the SMTP sink ----------------------------------------------------------------------------


KEY_HEADER = re.compile(rb"^X-Outbox-Key:[ \t]*(\S+)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)


class CountingSink:
    """aiosmtpd handler: counts messages per X-Outbox-Key and remembers when each first came."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.first_at: dict[str, float] = {}
        self.distinct_by_prefix: dict[str, int] = {}
        self.messages = 0
        self.without_key = 0
        self.last_at = 0.0

    async def handle_DATA(self, server, session, envelope) -> str:
        now = time.time()
        match = KEY_HEADER.search(envelope.content.split(b"\r\n\r\n", 1)[0])
        with self.lock:
            self.messages += 1
            self.last_at = now
            if match is None:
                self.without_key += 1
            else:
                key = match.group(1).decode()
                seen = self.counts.get(key, 0)
                self.counts[key] = seen + 1
                if not seen:
                    self.first_at[key] = now
                    prefix = key.split(":", 1)[0]
                    self.distinct_by_prefix[prefix] = self.distinct_by_prefix.get(prefix, 0) + 1
        return "250 Message accepted for delivery"

    def distinct(self, prefix: str) -> int:
        """Distinct keys seen so far whose part before the first ':' is `prefix` (O(1): polled often)."""
        with self.lock:
            return self.distinct_by_prefix.get(prefix, 0)

    def snapshot(self, prefix: str) -> tuple[int, int, dict[str, float]]:
        """(messages, distinct keys, first arrival per key) for keys under `prefix`."""
        with self.lock:
            counts = {k: v for k, v in self.counts.items() if k.startswith(prefix)}
            first = {k: self.first_at[k] for k in counts}
        return sum(counts.values()), len(counts), first


def start_sink(port: int):
    from aiosmtpd.controller import Controller

    for name in ("mail.log", "aiosmtpd"):
        logging.getLogger(name).setLevel(logging.WARNING)
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    log("SMTP sink listening on 127.0.0.1:%s", port)
    return sink, controller


# --- a Redis server of the benchmark's own ------------------------------------------------------


class RedisServer(ServerProcess):
    """`redis-server` on a free port of 127.0.0.1, no persistence: the benchmark's own broker and
    cache, so that it never touches (or stops) the machine's shared Redis. `stop()` then `start()`
    again is a broker outage: everything it held is gone, as after a crash."""

    name = "redis"

    def __init__(self, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.args = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
        ]
        self.env = dict(os.environ)
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        super().start()
        import redis

        def answers() -> bool:
            try:
                return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
            except redis.RedisError:
                return False

        if not wait_until(answers, timeout=20, interval=0.05):
            raise RuntimeError(f"redis-server did not answer on port {self.port}")
        return self

    def stop(self, grace: float = 5) -> None:
        super().stop(grace=grace)
        self.process = None


# --- memory -----------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """Resident memory of one process in MB (VmRSS), None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    """Direct children of `pid`."""
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


# --- people, organisations, applications (seeding) --------------------------------------------

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


def shared_password_hash() -> str:
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


def org_fields(n: int) -> dict:
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


def track_fields(kind: str, n: int) -> dict:
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


# --- queries ----------------------------------------------------------------------------------


def slowest_queries(queries: list[dict], top: int = 3) -> list[dict]:
    ranked = sorted(queries, key=lambda q: float(q.get("time") or 0), reverse=True)[:top]
    return [{"ms": round(float(q.get("time") or 0) * 1000, 1), "sql": q["sql"][:400]} for q in ranked]


def explain(sql: str) -> dict:
    """EXPLAIN ANALYZE one query: execution, planning and JIT milliseconds, and the top node."""
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


def postgres_set(url: str, name: str, value: str) -> None:
    """ALTER DATABASE <the bench database> SET <name> = <value> (new connections see it)."""
    import psycopg
    from psycopg import sql

    conninfo, database = _postgres_admin_conninfo(url)
    _check_bench_name(database)
    with psycopg.connect(**conninfo) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(database), sql.Identifier(name), sql.Literal(value)
            )
        )


# --- one benchmark's world: a fresh database, its own Redis, Django set up ----------------------


class BenchEnvironment:
    """What every benchmark starts from, and cleans up even on failure or Ctrl-C:

    - a fresh PostgreSQL database (`database_url`, its name must contain "bench"), migrated;
    - a Redis server of its own on a free port (broker db 0, cache db 1), unless `redis_url` is
      given (then its db and the next one are flushed, never the whole server);
    - with `collect_static`, the static files in a scratch STATIC_ROOT (whitenoise's manifest
      needs them in production mode to render any page; the settings module must read
      `BENCH_STATIC_ROOT`, as `benchmarks.settings` does);
    - Django set up in this process with `env` (production mode, see BASE_ENV).

    `env` is also what its subprocesses (gunicorn, Celery workers) get.

    Two shortcuts for the smoke run (benchmarks/smoke.py), which starts many benchmarks in a row:
    `$BENCH_TEMPLATE_DATABASE` names a database, migrated by the same code, to copy instead of
    migrating afresh, and `$BENCH_COLLECTED_STATIC` a directory
    where `collectstatic` already ran (used as it is, and left in place)."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str = "",
        settings_module: str = "benchmarks.settings",
        collect_static: bool = False,
        keep_db: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.given_redis_url = redis_url
        self.settings_module = settings_module
        self.collect_static = collect_static
        self.keep_db = keep_db
        self.extra_env = extra_env or {}
        self.redis: RedisServer | None = None
        self.static_root: Path | None = None
        self.env: dict[str, str] = {}

    @property
    def redis_url(self) -> str:
        return self.given_redis_url or self.redis.url(0)

    @property
    def redis_cache_url(self) -> str:
        return redis_url_with_db(self.redis_url, redis_db_of(self.redis_url) + 1)

    def __enter__(self):
        # A failure while setting up (a refused database name, a migration error) still stops
        # the Redis it started: __exit__ is not called when __enter__ raises.
        try:
            return self._set_up()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _set_up(self):
        import tempfile

        if not self.given_redis_url:
            self.redis = RedisServer().start()
        self.env = bench_env(
            DJANGO_SETTINGS_MODULE=self.settings_module,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            REDIS_CACHE_URL=self.redis_cache_url,
            **self.extra_env,
        )
        collected = os.environ.get("BENCH_COLLECTED_STATIC", "")
        if self.collect_static and collected:
            self.env["BENCH_STATIC_ROOT"] = collected
        elif self.collect_static:
            self.static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
            self.env["BENCH_STATIC_ROOT"] = str(self.static_root)
        log("fresh database %s; broker %s", redact_url(self.database_url), redact_url(self.redis_url))
        template = os.environ.get("BENCH_TEMPLATE_DATABASE", "")
        if template:  # migrated by the same code a moment ago
            postgres_clone(self.database_url, template)
        else:
            postgres_recreate(self.database_url)
            manage("migrate", "--noinput", "-v", "0", env=self.env)
        if self.static_root is not None:
            manage("collectstatic", "--noinput", "-v", "0", env=self.env)
        for url in (self.redis_url, self.redis_cache_url):
            redis_flush(url)
        setup_django(self.env)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if self.redis is not None:
            self.redis.stop()
        elif self.given_redis_url:
            for url in (self.redis_url, self.redis_cache_url):
                with contextlib.suppress(Exception):
                    redis_flush(url)
        if not self.keep_db:
            try:
                postgres_drop(self.database_url)
            except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
                log("could not drop the database: %s", error)
        if self.static_root is not None:
            shutil.rmtree(self.static_root, ignore_errors=True)


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP unwind through `finally` blocks (cleanup), like Ctrl-C does."""

    def _raise(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGHUP, _raise)
    signal.signal(signal.SIGINT, signal.default_int_handler)
