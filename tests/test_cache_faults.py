"""A stopped or frozen Redis, through real processes: gunicorn, PostgreSQL, our own redis-server.

docs/api.md §1.8: throttles that guard secrets (login here) refuse with 503 while the cache is
unreachable; the others (onboarding/skip) let the request through; sessions keep working from the
database. And a frozen Redis (SIGSTOP: connections stay open, nothing answers) costs a request at
most one cache socket timeout (0.5 s by default): the circuit breaker (users_api/cache.py) makes
every other cache call of the process fail at once. p99 of the latencies must stay ≤ 1 s.

The Redis here is started in a temporary directory on a kernel-chosen port and stopped by its PID;
the machine's own Redis is never touched.
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tests.conftest import PASSWORD
from tests.gunicorn_server import running_gunicorn, suite_database_url
from tests.test_stateless_web_tier import Browser, make_served_user  # noqa: F401 - fixture

REDIS_SERVER = shutil.which("redis-server") or "redis-server"
BREAKER_SECONDS = 5
logger = logging.getLogger(__name__)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, controlled by its PID."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="redis-fault-")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, sig)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture(scope="module")
def redis_and_server(django_db_setup: None) -> Iterator[tuple[OwnRedis, str]]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    own = OwnRedis()
    own.start()
    env = {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "CACHE_URL": f"redis://127.0.0.1:{own.port}/0",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_CONCURRENCY": "2",
        "CACHE_BREAKER_SECONDS": str(BREAKER_SECONDS),
    }
    try:
        with running_gunicorn(env) as server:
            yield own, server
    finally:
        own.stop()
        shutil.rmtree(own.dir, ignore_errors=True)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _exercise(server: str, browser: Browser, rounds: int) -> dict[str, Any]:
    """Session reads, a fail-open throttled write and a fail-closed login, ``rounds`` times."""
    latencies: list[float] = []
    statuses: dict[str, set[int]] = {"me": set(), "skip": set(), "login": set()}
    codes: set[str] = set()
    for _ in range(rounds):
        for name, method, path, body in (
            ("me", "GET", "/api/users/@me/", None),
            ("skip", "POST", "/api/users/@me/onboarding/skip/", {"reason": "later"}),
            ("login", "POST", "/api/login/", {"email": "bob@example.com", "password": "nope"}),
        ):
            client = Browser() if name == "login" else browser
            started = time.monotonic()
            status, reply = client.request(server, method, path, body)
            latencies.append(time.monotonic() - started)
            statuses[name].add(status)
            if name == "login" and isinstance(reply, dict):
                codes.add(reply.get("code"))
    return {"latencies": latencies, "statuses": statuses, "login_codes": codes}


def _logged_in(server: str) -> Browser:
    browser = Browser()
    status, body = browser.request(
        server, "POST", "/api/login/", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert status == 200, body
    return browser


@pytest.fixture
def served(redis_and_server, transactional_db, make_served_user):  # noqa: F811
    own, server = redis_and_server
    make_served_user(email="ada@example.com")
    yield own, server
    if own.process is None:
        own.start()
    else:
        own.signal(signal.SIGCONT)
    time.sleep(BREAKER_SECONDS + 0.5)  # every worker's breaker closes before the next test


def test_a_frozen_redis_costs_a_request_at_most_one_socket_timeout(served):
    own, server = served
    browser = _logged_in(server)
    own.signal(signal.SIGSTOP)

    result = _exercise(server, browser, rounds=40)

    latencies = result["latencies"]
    logger.warning(
        "frozen Redis: %d requests, max %.3f s, p99 %.3f s",
        len(latencies),
        max(latencies),
        _p99(latencies),
    )
    assert _p99(latencies) <= 1.0, sorted(latencies)[-5:]
    assert result["statuses"]["me"] == {200}  # the session is read from PostgreSQL
    assert result["statuses"]["skip"] == {200}  # onboarding_skip guards no secret: fails open
    assert result["statuses"]["login"] == {503}  # the login throttle guards passwords
    assert result["login_codes"] == {"service_unavailable"}


def test_a_stopped_redis_fails_fast_open_and_closed_as_the_contract_says(served):
    own, server = served
    browser = _logged_in(server)
    own.stop()

    result = _exercise(server, browser, rounds=20)

    latencies = result["latencies"]
    logger.warning(
        "stopped Redis: %d requests, max %.3f s, p99 %.3f s",
        len(latencies),
        max(latencies),
        _p99(latencies),
    )
    assert _p99(latencies) <= 1.0, sorted(latencies)[-5:]
    assert result["statuses"] == {"me": {200}, "skip": {200}, "login": {503}}


def test_the_cache_is_used_again_once_redis_answers(served):
    own, server = served
    browser = _logged_in(server)
    own.signal(signal.SIGSTOP)
    assert _exercise(server, browser, rounds=2)["statuses"]["login"] == {503}
    own.signal(signal.SIGCONT)
    time.sleep(BREAKER_SECONDS + 0.5)

    wrong = {"email": "bob@example.com", "password": "nope"}
    statuses = [Browser().request(server, "POST", "/api/login/", wrong)[0] for _ in range(3)]

    assert statuses == [401, 401, 401]  # counted again, not refused
