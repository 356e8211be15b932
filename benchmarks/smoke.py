"""Every benchmark at a small size, one after the other, so that none can rot (CI runs this).

    .venv/bin/python benchmarks/smoke.py                  # all of them
    .venv/bin/python benchmarks/smoke.py visits field     # some of them
    make benchmarks-smoke                                 # the same as the first line

Migrates one template database and collects the static files once (the set-up every benchmark
would otherwise repeat), then runs each `benchmarks/<name>.py --small` as a subprocess with
`BENCH_TEMPLATE_DATABASE` and `BENCH_COLLECTED_STATIC` pointing at them (see BenchEnvironment),
each with a time limit (past it the benchmark gets SIGTERM, so that it stops its servers and
drops its database, and SIGKILL 30 s later). A benchmark passes when it exits 0 and printed one
JSON object with `"ok": true` (matching, which has no `ok`, by its exit status alone). Prints one
JSON object: per benchmark its exit status, seconds and result (or the error); exit 1 when any
failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    ROOT,
    bench_env,
    emit_json,
    loadavg,
    log,
    manage,
    postgres_drop,
    postgres_recreate,
    stop_on_signals,
)

# In the order they run: the quick ones first, so that a broken set-up shows early.
BENCHMARKS = [
    "matching",
    "review_assignment",
    "visits",
    "visit_export",
    "roles_and_reminders_page",
    "outcomes",
    "reminder_planning",
    "review_reminders",
    "selection",
    "admin_changelist",
    "restore_drill",
    "pdpa",
    "dashboard",
    "outbox",
    "line",
    "reminders",
    "deadline_rush",
    "field",
]
# Names of this run's own (its process id in them): two smoke runs on one machine (parallel
# checkouts, CI) would otherwise drop each other's template and benchmark databases mid-run.
TEMPLATE_URL = f"postgres://postgres@127.0.0.1:5432/incubator_bench_template_{os.getpid()}"


def run_one(name: str, *, env: dict[str, str], timeout: float, grace: float = 30) -> dict:
    """Run `benchmarks/<name>.py --small`; its database is named after this run and `name`."""
    server = env["BENCH_TEMPLATE_URL"].rsplit("/", 1)[0]
    env = {**env, "BENCH_DATABASE_URL": f"{server}/bench_smoke_{os.getpid()}_{name}"}
    started = time.perf_counter()
    outcome: dict = {"exit": None}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), "--small"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
    )
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # SIGTERM first: the benchmark unwinds (stop_on_signals) and stops its Redis, workers and
        # servers and drops its database; SIGKILL would leave them behind.
        outcome["error"] = f"no result within {timeout:.0f}s"
        process.terminate()
        try:
            stdout, _ = process.communicate(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, _ = process.communicate()
    except BaseException:  # Ctrl-C or SIGTERM to the smoke run: the benchmark cleans up too
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    outcome["exit"] = process.returncode
    lines = [line for line in (stdout or "").splitlines() if line.startswith("{")]
    try:
        outcome["result"] = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError as error:
        outcome["error"] = f"its output is not JSON: {error}"
    outcome["s"] = round(time.perf_counter() - started, 1)
    result = outcome.get("result") or {}
    outcome["ok"] = (
        "error" not in outcome
        and outcome["exit"] == 0
        and bool(outcome.get("result"))
        and result.get("ok", True) is True
    )
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    # [] among the choices: argparse checks an empty `*` positional against them (Python 3.11).
    parser.add_argument(
        "names", nargs="*", choices=[[], *BENCHMARKS], metavar="NAME", help=f"to run (default: all): {BENCHMARKS}"
    )
    parser.add_argument("--timeout", type=float, default=300, help="limit per benchmark in seconds (default 300)")
    parser.add_argument("--template-url", default=os.environ.get("BENCH_TEMPLATE_URL") or TEMPLATE_URL)
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS
    stop_on_signals()
    started = time.perf_counter()
    summary: dict = {"benchmark": "smoke", "loadavg_before": loadavg(), "runs": {}}
    static_root = Path(tempfile.mkdtemp(prefix="bench-smoke-static-"))
    template = args.template_url.rsplit("/", 1)[1]
    try:
        env = bench_env(DATABASE_URL=args.template_url, DJANGO_SETTINGS_MODULE="benchmarks.settings",
                        BENCH_STATIC_ROOT=str(static_root))  # fmt: skip
        log("template database %s and static files in %s", template, static_root)
        postgres_recreate(args.template_url)
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("collectstatic", "--noinput", "-v", "0", env=env)
        summary["setup_s"] = round(time.perf_counter() - started, 1)
        run_env = {**os.environ, "BENCH_TEMPLATE_DATABASE": template, "BENCH_TEMPLATE_URL": args.template_url,
                   "BENCH_COLLECTED_STATIC": str(static_root)}  # fmt: skip
        for name in names:
            log("smoke: %s", name)
            summary["runs"][name] = outcome = run_one(name, env=run_env, timeout=args.timeout)
            log("smoke: %s %s in %ss", name, "ok" if outcome["ok"] else "FAILED", outcome["s"])
    finally:
        postgres_drop(args.template_url)
        shutil.rmtree(static_root, ignore_errors=True)
    summary["failed"] = [name for name, outcome in summary["runs"].items() if not outcome["ok"]]
    summary["ok"] = not summary["failed"] and len(summary["runs"]) == len(names)
    summary["total_s"] = round(time.perf_counter() - started, 1)
    summary["loadavg_after"] = loadavg()
    emit_json(summary)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
