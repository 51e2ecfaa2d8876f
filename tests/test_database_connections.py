"""A web worker keeps its PostgreSQL connection between requests; a dropped one costs one request.

There is no health check before each request (docs/scaling.md): a connection the server ended
(restart, failover) fails the next request that uses it with the contract's 503, and the worker
connects afresh for the one after. Runs a real gunicorn worker on the suite's test database.
"""

import json
import os
from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from tests.gunicorn_server import fetch, running_gunicorn, suite_database_url

ME = "/api/users/@me/"


@pytest.fixture
def server(transactional_db: None) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
    }
    with running_gunicorn(env) as base:
        yield base


def worker_backends() -> list[tuple[int, object]]:
    """(pid, backend_start) of every other session on the test database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchall()


@pytest.mark.postgres
def test_the_worker_keeps_its_connection_and_replaces_one_the_server_ended(server, make_api_key):
    _, value = make_api_key("user:read", last_used_at=timezone.now())
    headers = {"Authorization": f"Bearer {value}"}

    assert fetch(server + ME, headers).status == 200
    [backend] = worker_backends()
    for _ in range(3):
        assert fetch(server + ME, headers).status == 200
    assert worker_backends() == [backend]  # the same session, not one per request

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend[0]])

    reply = fetch(server + ME, headers)
    assert reply.status == 503, reply.body
    assert json.loads(reply.body)["code"] == "service_unavailable"
    assert int(reply.headers["Retry-After"]) > 0

    assert fetch(server + ME, headers).status == 200
    [replacement] = worker_backends()
    assert replacement[0] != backend[0]
