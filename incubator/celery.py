"""The Celery application. Workers: `celery -A incubator worker`; beat: `celery -A incubator beat`."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incubator.settings")

app = Celery("incubator", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_db_connections(task=None, **kwargs) -> None:
    """Treat each task like a web request: reuse the DB connection within CONN_MAX_AGE and
    drop broken ones (Celery's Django fixup would otherwise open a new connection per task).
    Eager tasks run inside the caller's transaction (tests), so their connection is left alone."""
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_process_shutdown.connect
def close_smtp_connection(**kwargs) -> None:
    from incubator.delivery import smtp_connection_drop

    smtp_connection_drop()
