"""Celery application: ``celery -A users_api worker``. Without a broker, tasks run inline."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_failure, task_retry, task_success

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")

app = Celery("users_api")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _task_name(sender: Any) -> str:
    return getattr(sender, "name", None) or str(sender)


@task_success.connect
def _count_success(sender: Any = None, **kwargs: Any) -> None:
    from users_api import metrics

    metrics.count_task_outcome(task=_task_name(sender), outcome="success")


@task_failure.connect
def _count_failure(sender: Any = None, **kwargs: Any) -> None:
    from users_api import metrics

    metrics.count_task_outcome(task=_task_name(sender), outcome="failure")


@task_retry.connect
def _count_retry(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    from users_api import metrics

    task = getattr(request, "task", None) or _task_name(sender)
    metrics.count_task_outcome(task=task, outcome="retry")
