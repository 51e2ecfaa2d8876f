"""Prometheus metrics: the named counters the apps increment, and their exposition (served by
``health.metrics_view`` on the web tier and by the worker's own endpoint, ``users_api.celery``).

Under gunicorn every worker is a process of its own, so prometheus_client runs in multiprocess
mode (``PROMETHEUS_MULTIPROC_DIR``, set up by ``gunicorn.conf.py``): each process writes its
samples to files in that directory and a scrape sums them, whichever worker answers it.
"""

import hmac
import os

from django.conf import settings
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "users_api_http_requests_total",
    "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "users_api_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
THROTTLE_REFUSALS = Counter(
    "users_api_throttle_refusals_total", "Requests refused by a throttle (429).", ["scope"]
)
TWO_FACTOR_FAILURES = Counter(
    "users_api_two_factor_failures_total",
    "Second-factor checks that failed (invalid code, or locked out).",
    ["reason"],
)
EMAIL_FAILURES = Counter(
    "users_api_email_failures_total",
    "Email delivery attempts the SMTP server did not accept.",
    ["template", "reason"],
)
TASK_OUTCOMES = Counter(
    "users_api_celery_tasks_total",
    "Celery task runs by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_DURATION.labels(route, method).observe(seconds)


def count_throttle_refusal(scope: str) -> None:
    THROTTLE_REFUSALS.labels(scope).inc()


def count_two_factor_failure(reason: str) -> None:
    TWO_FACTOR_FAILURES.labels(reason).inc()


def count_email_failure(*, template: str, reason: str) -> None:
    EMAIL_FAILURES.labels(template, reason).inc()


def count_task_outcome(*, task: str, outcome: str) -> None:
    TASK_OUTCOMES.labels(task, outcome).inc()


def authorized(authorization: str) -> bool:
    """``Authorization: Bearer $METRICS_TOKEN``; never true without a configured token."""
    token = settings.METRICS_TOKEN
    return bool(token) and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


def exposition() -> bytes:
    """Every process's samples (multiprocess mode), or this process's, in the text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry)
