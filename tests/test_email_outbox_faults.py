"""No email is lost while the SMTP server is down, and none is sent twice (the outbox).

Through real processes: gunicorn on the suite's PostgreSQL database, an aiosmtpd server that is
stopped and restarted on the same port, and either
- no broker: the web process tries once after commit, and two ``manage.py send_pending_emails
  --every 1`` processes (what cron or a small service runs) retry, competing for the same rows; or
- a broker (``TEST_CELERY_BROKER_URL``) and a real Celery worker process with two pool processes.

16 verification-code emails in all: 4 while SMTP is up, 12 while it is down. Every one must
arrive at the SMTP server exactly once (counted by Message-ID, which is the outbox row's id), the
last within 60 s of SMTP coming back, with the production retry settings.
"""

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connection

from outbox.models import OutboxEmail
from tests.accounts.email_support import (
    REQUEST_URL,
    broker_reachable,
    free_port,
    purge_queue,
    running_worker,
    smtp_server,
    wait_for,
)
from tests.gunicorn_server import running_gunicorn, suite_database_url
from tests.test_stateless_web_tier import Browser

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def sweepers(env: dict[str, str], count: int) -> Iterator[None]:
    """``count`` concurrent ``manage.py send_pending_emails --every 1`` processes."""
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_pending_emails", "--every", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


def _message_ids(smtp) -> list[str]:
    return [message["Message-ID"].strip("<>").split("@")[0] for message in smtp.messages]


@pytest.mark.parametrize("mode", ["no broker", "broker"])
def test_smtp_stopped_and_restarted_every_email_arrives_exactly_once(mode, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    if mode == "broker" and not broker_reachable(BROKER_URL):
        pytest.skip(f"broker {BROKER_URL} unreachable")
    users = [make_user(email=f"user{n}@example.com", is_email_verified=False) for n in range(16)]
    smtp_port = free_port()
    queue = f"test-outbox-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "3",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_CONCURRENCY": "2",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    env.pop("CELERY_BROKER_URL", None)
    if mode == "broker":
        env["CELERY_BROKER_URL"] = BROKER_URL

    def request_code(server: str, user) -> None:
        status, body = Browser().request(server, "POST", REQUEST_URL, {"uuid": str(user.uuid)})
        assert status == 200, body

    with ExitStack() as stack:
        server = stack.enter_context(running_gunicorn(env))
        if mode == "broker":
            stack.enter_context(running_worker(env, queue, "--concurrency", "2"))
            stack.callback(purge_queue, BROKER_URL, queue)
        else:
            stack.enter_context(sweepers(env, 2))

        with smtp_server(smtp_port) as smtp:
            for user in users[:4]:
                request_code(server, user)
            assert wait_for(lambda: len(smtp.messages) >= 4, timeout=30)
            before = _message_ids(smtp)

        # SMTP stopped: 12 more emails, each tried (and failed) at least once.
        for user in users[4:]:
            request_code(server, user)
        assert wait_for(
            lambda: OutboxEmail.objects.filter(status="pending", attempts__gte=1).count() == 12,
            timeout=30,
        )
        time.sleep(2)

        with smtp_server(smtp_port) as smtp:
            back = time.monotonic()
            assert wait_for(lambda: len(smtp.messages) >= 12, timeout=75), (
                f"{len(smtp.messages)} of 12 arrived"
            )
            took = time.monotonic() - back
            time.sleep(3)  # a duplicate would arrive now
            after = _message_ids(smtp)
            recipients = [rcpt for envelope in smtp.recipients for rcpt in envelope]

    delivered = Counter(before + after)
    rows = {str(pk) for pk in OutboxEmail.objects.values_list("pk", flat=True)}
    print(f"{mode}: 12 delayed emails arrived {took:.1f} s after SMTP came back")  # noqa: T201
    assert len(rows) == 16
    assert set(delivered) == rows
    assert max(delivered.values()) == 1, delivered.most_common(3)
    assert sorted(recipients) == sorted(user.email for user in users[4:])
    assert took <= 60
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
