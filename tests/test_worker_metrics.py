"""A separate Celery worker's task outcomes reach Prometheus: the worker serves its own
``/metrics`` (``WORKER_METRICS_PORT``, same ``METRICS_TOKEN`` rule as the web tier), counting
every pool process. Through a real worker process on the test broker.
"""

import os
import re
import urllib.error
import urllib.request
import uuid

import pytest

from tests.accounts.email_support import (
    broker_reachable,
    celery_app,
    free_port,
    purge_queue,
    running_worker,
    wait_for,
)
from tests.gunicorn_server import suite_database_url

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
TASK = "pushtokens.tasks.prune_stale_push_tokens"
EMAIL_TASK = "accounts.tasks.send_templated_email"
TOKEN = "worker-metrics-test-token"
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _scrape(port: int, token: str | None = TOKEN) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def _count(text: str, outcome: str, task: str = TASK) -> float:
    match = re.search(
        rf'users_api_celery_tasks_total\{{outcome="{outcome}",task="{re.escape(task)}"\}} (\S+)',
        text,
    )
    return float(match.group(1)) if match else 0.0


def _worker_env(queue: str, port: int) -> dict[str, str]:
    if not broker_reachable(BROKER_URL):
        pytest.skip(f"no broker at {BROKER_URL}")
    return {
        key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"
    } | {
        "DATABASE_URL": suite_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "METRICS_TOKEN": TOKEN,
        "WORKER_METRICS_PORT": str(port),
        "WORKER_METRICS_HOST": "127.0.0.1",
    }


def test_the_worker_serves_its_task_outcomes_from_every_pool_process() -> None:
    queue = f"test-metrics-{uuid.uuid4().hex[:12]}"
    port = free_port()
    env = _worker_env(queue, port)
    try:
        with running_worker(env, queue, "--concurrency", "2"), celery_app(BROKER_URL, queue) as app:
            for _ in range(4):
                app.send_task(TASK, queue=queue)
            app.send_task(TASK, args=["not", "its", "arguments"], queue=queue)  # a TypeError
            assert wait_for(
                lambda: (
                    _count(_scrape(port)[1], "success") == 4
                    and _count(_scrape(port)[1], "failure") == 1
                ),
                timeout=30,
            ), _scrape(port)[1]
            assert _scrape(port, token=None)[0] == 404
            assert _scrape(port, token="wrong")[0] == 404
    finally:
        purge_queue(BROKER_URL, queue)


def test_a_task_that_retries_itself_is_counted_as_a_retry() -> None:
    """An email whose SMTP server refuses connections: the worker's email task retries itself."""
    from django.utils import timezone

    from outbox.models import OutboxEmail
    from users_api import encryption

    queue = f"test-metrics-{uuid.uuid4().hex[:12]}"
    port = free_port()
    env = _worker_env(queue, port) | {"EMAIL_URL": f"smtp://127.0.0.1:{free_port()}"}  # closed
    now = timezone.now()
    email = OutboxEmail.objects.create(
        template="two_factor_enabled",
        to="someone@example.com",
        sealed_context=encryption.seal({}),
        created_at=now,
        next_attempt_at=now,
    )
    try:
        with running_worker(env, queue), celery_app(BROKER_URL, queue) as app:
            app.send_task(EMAIL_TASK, kwargs={"message_id": str(email.pk)}, queue=queue)
            assert wait_for(
                lambda: _count(_scrape(port)[1], "retry", task=EMAIL_TASK) == 1, timeout=30
            ), _scrape(port)[1]
            assert _count(_scrape(port)[1], "success", task=EMAIL_TASK) == 0
    finally:
        purge_queue(BROKER_URL, queue)
