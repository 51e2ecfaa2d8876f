"""Celery application: ``celery -A users_api worker``. Without a broker, tasks run inline.

A worker started with ``WORKER_METRICS_PORT`` serves its task outcomes on
``http://<host>:<port>/metrics`` for Prometheus (same ``METRICS_TOKEN`` rule as the web tier's
``/metrics``): the pool's processes count in prometheus_client's multiprocess mode, in a
directory of this worker's own (``PROMETHEUS_MULTIPROC_DIR`` if set, else a new temporary one).
"""

import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from celery import Celery
from celery.signals import task_failure, task_retry, task_success, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")
# Before anything imports prometheus_client: the mode is chosen when it is first imported.
if os.environ.get("WORKER_METRICS_PORT") and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="users-api-worker-metrics-")

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


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # scrapes are not worth a log line each


def _metrics_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    from prometheus_client import CONTENT_TYPE_LATEST

    from users_api import metrics

    if environ.get("PATH_INFO") != "/metrics" or not metrics.authorized(
        environ.get("HTTP_AUTHORIZATION", "")
    ):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not found\n"]
    body = metrics.exposition()
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
    return [body]


@worker_init.connect
def _serve_worker_metrics(**kwargs: Any) -> None:
    """In the worker's main process, before the pool starts: the metrics endpoint, if asked."""
    from django.conf import settings

    port = settings.WORKER_METRICS_PORT
    if not port:
        return
    server = make_server(
        settings.WORKER_METRICS_HOST, port, _metrics_app, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
