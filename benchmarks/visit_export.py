"""The staff visit export (CSV through cohorts.exports) at 50,000 visits.

    .venv/bin/python benchmarks/visit_export.py                 # 50,000 visits (about 2 min)
    .venv/bin/python benchmarks/visit_export.py --visits 2000   # smoke test

The export writes every visit of the staff member's programs with headers in their language,
choices and provinces in words and every cell escaped against formulas (`cohorts.exports`,
`coaching.exports.VisitResource`), so its cost grows with the visits. Seeds the same world as
`visits.py` (one program, 400 pairs, the visits over a year) in a scratch PostgreSQL database
(name must contain "bench"; default incubator_bench_visit_export), then requests
/coaching/visits/export.csv in-process as program staff, in Thai, `--requests` times, and
reports the wall time (p50, max), the process CPU time, the queries, the file's size and rows,
and the process's peak memory (ru_maxrss) before and after. One JSON object on stdout.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_env, emit_json, log, manage, percentiles, postgres_drop, postgres_recreate, setup_django

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_visit_export"


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="log the export's top functions (cProfile)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    env = bench_env(DATABASE_URL=args.database_url, ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                    SECURE_SSL_REDIRECT="false")  # fmt: skip
    postgres_recreate(args.database_url)
    try:
        log("migrating")
        manage("migrate", "--noinput", "-v", "0", env=env)
        setup_django(env)
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from visits import seed

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
            assert response.status_code == 200, response.status_code
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
        emit_json(
            {
                "visits": args.visits,
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
    finally:
        from django.db import connections

        connections.close_all()
        postgres_drop(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
