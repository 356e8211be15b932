"""Settings for benchmarks/deadline_rush.py: the project's own settings, plus one URL.

Everything comes from `incubator.settings` (production mode when DJANGO_DEBUG=false), so the
submit path runs exactly as deployed. Two changes, plus one what-if knob that is off unless set:

- ROOT_URLCONF adds `bench/bare-insert/` (see `benchmarks/rush_urls.py`), the floor the submit
  path is compared with: it goes through the same middleware on the same server.
- STATIC_ROOT can point at a scratch directory (`BENCH_STATIC_ROOT`, see benchmarks/settings.py),
  so that the benchmark collects the static files whitenoise's manifest storage needs without
  touching the tree.
"""

import os

from benchmarks.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.rush_urls"

# What-if knob for the benchmark (off unless set): let Celery's Django fixup keep a worker's
# database connection across tasks instead of closing it after every task.
if os.environ.get("BENCH_CELERY_DB_REUSE_MAX"):
    CELERY_DB_REUSE_MAX = int(os.environ["BENCH_CELERY_DB_REUSE_MAX"])
