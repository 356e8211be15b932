"""Settings for benchmarks that render pages in production mode: the project's own settings,
plus one change.

- STATIC_ROOT points at a scratch directory (`BENCH_STATIC_ROOT`, set by
  `BenchEnvironment(collect_static=True)`), where the benchmark runs `collectstatic` before Django
  is set up: whitenoise's manifest storage (DEBUG off) needs the manifest to render any page, and
  the tree's own `staticfiles/` is never touched. Settings are read once, when Django sets up;
  changing `settings.STORAGES` afterwards does not reach the storage already built.
"""

import os
from pathlib import Path

from incubator.settings import *  # noqa: F403

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
