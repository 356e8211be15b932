"""The Celery application. Workers: `celery -A incubator worker`; beat: `celery -A incubator beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incubator.settings")

app = Celery("incubator", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
