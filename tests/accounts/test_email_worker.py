"""A real worker (``celery -A users_api worker`` in a subprocess) on the local Redis broker.

The worker is configured only by the environment, like in production: ``CELERY_BROKER_URL`` and
``EMAIL_URL=smtp://127.0.0.1:<port>`` pointing at an aiosmtpd server started here. Skipped only
when Redis is unreachable.
"""

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rest_framework.test import APIClient

from tests.accounts.email_support import (
    REQUEST_URL,
    VERIFY_URL,
    celery_app,
    code_in,
    free_port,
    smtp_server,
    wait_for,
)

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(BROKER_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not _redis_reachable(), reason=f"Redis broker {BROKER_URL} unreachable"),
]


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path, smtp_port: int) -> None:
        self.process = process
        self.log = log
        self.smtp_port = smtp_port

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    queue = f"test-emails-{uuid.uuid4().hex[:12]}"
    smtp_port = free_port()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "3",
        "EMAIL_RETRY_BASE_DELAY": "0.3",
        "EMAIL_RETRY_MAX_DELAY": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "users_api",
        "worker",
        "--queues",
        queue,
        "--pool",
        "solo",
        "--hostname",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    ]
    with tempfile.TemporaryDirectory() as tmp, celery_app(BROKER_URL, queue=queue):
        log = Path(tmp) / "worker.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        worker = Worker(process, log, smtp_port)
        try:
            assert wait_for(lambda: "ready." in worker.output(), timeout=30), worker.output()
            yield worker
        finally:
            process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            client = redis.Redis.from_url(BROKER_URL)
            for key in client.scan_iter(f"*{queue}*"):
                client.delete(key)


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    def post(user):
        with django_capture_on_commit_callbacks(execute=True):
            return APIClient().post(REQUEST_URL, {"uuid": str(user.uuid)}, format="json")

    return post


def verify(user, code):
    return APIClient().post(VERIFY_URL, {"uuid": str(user.uuid), "code": code}, format="json")


def test_the_worker_delivers_the_email_over_smtp(worker, make_user, request_code, mailoutbox):
    user = make_user(email="ada@example.com", is_email_verified=False)

    with smtp_server(worker.smtp_port) as smtp:
        assert request_code(user).status_code == 200
        assert wait_for(lambda: smtp.messages, timeout=15), worker.output()

    assert mailoutbox == []  # not sent by the web process
    assert smtp.recipients == [["ada@example.com"]]
    code = code_in(smtp.messages[0])
    assert code not in worker.output()  # the code crossed the broker sealed, and is never logged
    assert verify(user, code).status_code == 200


def test_smtp_down_then_back_the_worker_retries_and_delivers_once(worker, make_user, request_code):
    user = make_user(email="grace@example.com", is_email_verified=False)
    retries_before = worker.output().count("will retry")

    assert request_code(user).status_code == 200  # nothing listens on the SMTP port
    assert wait_for(lambda: worker.output().count("will retry") > retries_before, timeout=15)
    with smtp_server(worker.smtp_port) as smtp:
        assert wait_for(lambda: smtp.messages, timeout=15), worker.output()
        wait_for(lambda: len(smtp.messages) > 1, timeout=1.5)  # a duplicate would arrive now
        messages = smtp.messages

    assert len(messages) == 1
    assert verify(user, code_in(messages[0])).status_code == 200
    assert "no-reply" in messages[0]["From"]
