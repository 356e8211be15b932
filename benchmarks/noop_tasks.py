"""A task that does nothing but count itself: the worker's ceiling in benchmarks/outbox.py.

Workers load it with `celery -A incubator worker -I benchmarks.noop_tasks` (cwd = the project
root; `benchmarks` is a namespace package, no `__init__.py` needed).
"""

from functools import cache

import redis
from celery import shared_task
from django.conf import settings

COUNTER_KEY = "benchmarks:noop:done"


@cache
def _redis() -> redis.Redis:
    # Created lazily in each pool process (after the fork), then reused.
    return redis.Redis.from_url(settings.REDIS_URL)


@shared_task(name="benchmarks.noop", ignore_result=True)
def noop() -> None:
    _redis().incr(COUNTER_KEY)
