"""A real worker (``celery -A users_api worker`` in a subprocess) on a real broker.

The worker is configured only by the environment, like in production: ``CELERY_BROKER_URL``
(``TEST_CELERY_BROKER_URL``: Redis or AMQP), the suite's test database, and
``EMAIL_URL=smtp://127.0.0.1:<port>`` pointing at an aiosmtpd server started here. The web side
commits the outbox rows (``transaction=True``) so the worker sees them. Skipped only when the
broker is unreachable.
"""

import os
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.accounts.email_support import (
    REQUEST_URL,
    VERIFY_URL,
    broker_reachable,
    celery_app,
    code_in,
    free_port,
    purge_queue,
    running_worker,
    smtp_server,
    wait_for,
)
from tests.gunicorn_server import suite_database_url

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not broker_reachable(BROKER_URL), reason=f"broker {BROKER_URL} unreachable"),
]


class Worker:
    def __init__(self, output, smtp_port: int) -> None:
        self.output = output
        self.smtp_port = smtp_port


@pytest.fixture(scope="module")
def worker(django_db_setup: None) -> Iterator[Worker]:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the suite's database: set DATABASE_URL")
    queue = f"test-emails-{uuid.uuid4().hex[:12]}"
    smtp_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "3",
        "EMAIL_RETRY_BASE_DELAY": "0.3",
        "EMAIL_RETRY_MAX_DELAY": "1",
    }
    with (
        celery_app(BROKER_URL, queue=queue),
        running_worker(env, queue, "--pool", "solo") as output,
    ):
        try:
            yield Worker(output, smtp_port)
        finally:
            purge_queue(BROKER_URL, queue)


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
