"""The staff visit export (CSV through cohorts.exports) at 50,000 visits.

    .venv/bin/python benchmarks/visit_export.py                 # 50,000 visits (about 2 min)
    .venv/bin/python benchmarks/visit_export.py --visits 2000   # a quicker run
    .venv/bin/python benchmarks/visit_export.py --small         # CI smoke run (500 visits, 2 requests)

The export writes every visit of the staff member's programs with headers in their language,
choices and provinces in words and every cell escaped against formulas (`cohorts.exports`,
`coaching.exports.VisitResource`), so its cost grows with the visits. Seeds the same world as
`visits.py` (one program, 400 pairs, the visits over a year) in a scratch PostgreSQL database
(--database-url or BENCH_DATABASE_URL, name must contain "bench"; default
incubator_bench_visit_export) with a Redis of its own, then requests
/coaching/visits/export.csv in-process as program staff, in Thai, `--requests` times, and
reports the wall time (p50, max), the process CPU time, the queries, the file's size and rows,
and the process's peak memory (ru_maxrss) before and after. Drops the database at the end, even
on failure. One JSON object on stdout; exit 1 when the export does not answer 200, does not
hold one row per visit, or anything else fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BenchEnvironment,
    loadavg,
    log,
    parse_with_small,
    percentiles,
    redact_url,
    reported,
    stop_on_signals,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_visit_export"


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="log the export's top functions (cProfile)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="", help="use this Redis db (and the next, flushed) instead")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"visits": 500, "requests": 2})
    if min(args.visits, args.requests) < 1:
        parser.error("sizes must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "visit_export",
        "visits": args.visits,
        "export_p50_ms": None,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    # A CSV download renders no template: no collected static files needed.
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        keep_db=args.keep_db,
        extra_env={"ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "false"},
    )
    with reported(result), environment:
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from benchmarks.visits import seed

        log("seeding %s visits", args.visits)
        people = seed(args.visits)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        staff = Client()
        staff.force_login(people["staff"])
        staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
        rss_before = peak_rss_mb()
        walls, cpus, queries, size, rows = [], [], 0, 0, 0
        log("measuring")
        for _ in range(args.requests):
            cpu_started, started = time.process_time(), time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = staff.get("/coaching/visits/export.csv")
                body = b"".join(response.streaming_content) if response.streaming else response.content
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu_started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"the export answered {response.status_code}")
            queries, size, rows = len(captured), len(body), body.count(b"\n") - 1
        if args.profile:
            import cProfile
            import io
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            b"".join(staff.get("/coaching/visits/export.csv").streaming_content)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            log("profile:\n%s", out.getvalue())
        wall = percentiles(walls, (50,))
        result.update(
            {
                "rows": rows,
                "file_mb": round(size / 1024 / 1024, 1),
                "export_p50_ms": wall["p50"],
                "export_max_ms": wall["max"],
                "export_cpu_ms_per_1000_rows": round(min(cpus) / max(rows, 1) * 1000, 1),
                "queries": queries,
                "peak_rss_mb_before": rss_before,
                "peak_rss_mb_after": peak_rss_mb(),
            }
        )
        result["ok"] = rows == args.visits
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
