"""Emails go through the outbox: retried on SMTP failure, sent once, never failing the request."""

import itertools
import logging
import smtplib
import socket
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.apps import apps
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import email_verification
from outbox import delivery, tasks
from outbox.models import OutboxEmail
from tests.accounts.email_support import (
    REQUEST_URL,
    VERIFY_URL,
    celery_app,
    code_in,
    free_port,
    smtp_server,
    use_smtp,
    wait_for,
)
from users_api import encryption

pytestmark = pytest.mark.django_db

KNOWN_CODE = "918273"


@pytest.fixture
def user(make_user):
    return make_user(email="ada@example.com", is_email_verified=False, first_name="Ada")


@pytest.fixture
def request_code(api_client, django_capture_on_commit_callbacks):
    """POST request_email_verification, running the on-commit enqueue like a real commit."""

    def post(user):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(REQUEST_URL, {"uuid": str(user.uuid)}, format="json")

    return post


@pytest.fixture
def known_code(monkeypatch):
    monkeypatch.setattr("accounts.email_codes.generate", lambda: KNOWN_CODE)
    return KNOWN_CODE


@pytest.fixture
def fast_retries(settings):
    settings.EMAIL_RETRY_BASE_DELAY = 0.1
    settings.EMAIL_RETRY_MAX_DELAY = 0.4


class FailingBackend(BaseEmailBackend):
    """An SMTP server that refuses: ``error`` is raised by every send; sends are counted."""

    calls = 0
    error: OSError = ConnectionRefusedError(111, "Connection refused")
    lock = threading.Lock()

    def send_messages(self, messages):
        with self.lock:
            type(self).calls += 1
        raise type(self).error


@pytest.fixture
def failing_backend(settings):
    FailingBackend.calls = 0
    FailingBackend.error = ConnectionRefusedError(111, "Connection refused")
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    return FailingBackend


def outbox_row(template="password_changed", **fields):
    return OutboxEmail.objects.create(
        template=template,
        to="ada@example.com",
        sealed_context=encryption.seal({"first_name": "Ada", "email": "ada@example.com"}),
        **fields,
    )


class TestInline:
    """No broker configured (the default): tasks run in the request's process after commit."""

    def test_the_email_is_sent_after_commit_with_text_and_html(
        self, user, request_code, mailoutbox
    ):
        response = request_code(user)

        assert response.status_code == 200
        [message] = mailoutbox
        assert message.alternatives[0].mimetype == "text/html"
        assert message.extra_headers["Message-ID"].startswith("<")

    def test_a_rolled_back_request_sends_nothing(self, user, mailoutbox):
        def issue_then_fail() -> None:
            with transaction.atomic():
                email_verification.send_verification_code(user=user)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            issue_then_fail()

        assert mailoutbox == []

    def test_smtp_down_never_fails_the_request_and_the_email_waits_in_the_outbox(
        self, user, request_code, failing_backend, caplog
    ):
        caplog.set_level(logging.WARNING, logger="accounts")

        started = time.monotonic()
        response = request_code(user)

        assert response.status_code == 200
        assert response.json() == {"success": True}
        assert time.monotonic() - started < 2
        # One attempt here; the row stays pending for send_pending_emails.
        assert failing_backend.calls == 1
        assert "attempt 1 failed (ConnectionRefusedError), will retry" in caplog.text
        [row] = OutboxEmail.objects.all()
        assert row.status == "pending"
        assert row.attempts == 1
        assert row.next_attempt_at > row.created_at

    def test_a_smtp_server_that_never_answers_is_cut_off_by_email_timeout(
        self, user, request_code, settings
    ):
        with socket.socket() as blackhole:
            blackhole.bind(("127.0.0.1", 0))
            blackhole.listen(1)  # accepts the TCP handshake, never greets
            use_smtp(settings, blackhole.getsockname()[1], timeout=1)

            started = time.monotonic()
            response = request_code(user)
            elapsed = time.monotonic() - started

        assert response.status_code == 200
        assert 0.9 < elapsed < 3

    def test_delivering_the_same_email_twice_sends_it_once(self, mailoutbox):
        row = outbox_row()
        assert delivery.deliver(str(row.pk)) is delivery.Outcome.SENT
        assert delivery.deliver(str(row.pk)) is delivery.Outcome.SKIPPED
        assert delivery.deliver_due()[delivery.Outcome.SENT] == 0

        assert len(mailoutbox) == 1
        assert mailoutbox[0].extra_headers["Message-ID"] == f"<{row.pk}@example.com>"
        row.refresh_from_db()
        assert row.status == "sent"
        assert row.sent_at is not None

    def test_a_failed_attempt_does_not_count_as_sent(self, failing_backend, settings, mailoutbox):
        row = outbox_row()
        assert delivery.deliver(str(row.pk)) is delivery.Outcome.RETRY
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

        assert delivery.deliver_due()[delivery.Outcome.SENT] == 0  # not due yet
        OutboxEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert delivery.deliver_due()[delivery.Outcome.SENT] == 1

        assert len(mailoutbox) == 1

    def test_a_task_queued_before_the_outbox_is_still_delivered_once(self, mailoutbox):
        legacy = {
            "template": "password_changed",
            "to": "ada@example.com",
            "sealed_context": encryption.seal({"first_name": "Ada", "email": "ada@example.com"}),
            "message_id": "4b0c1f6e-2a41-4b8e-9a55-0d3c1f6a7e01",
        }
        tasks.send_templated_email.apply(kwargs=legacy)
        tasks.send_templated_email.apply(kwargs=legacy)

        assert len(mailoutbox) == 1

    def test_secrets_are_never_logged(
        self, user, request_code, known_code, failing_backend, caplog
    ):
        caplog.set_level(logging.DEBUG)

        request_code(user)
        APIClient().post(VERIFY_URL, {"uuid": str(user.uuid), "code": "000000"}, format="json")

        assert caplog.records
        assert known_code not in caplog.text


class TestBroker:
    def test_the_broker_carries_only_the_message_id(self, user, request_code, known_code):
        with celery_app("memory://") as app:
            assert request_code(user).status_code == 200
            with app.connection_for_write() as connection:
                queue = connection.SimpleQueue(app.conf.task_default_queue)
                message = queue.get(timeout=2)
                queue.close()

        raw = message.body if isinstance(message.body, str) else message.body.decode()
        assert known_code not in raw
        assert known_code not in str(message.headers)
        _, kwargs, _ = message.decode()
        # Only the outbox row's id crosses the broker; the sealed context stays in the database.
        assert set(kwargs) == {"message_id"}
        row = OutboxEmail.objects.get(pk=kwargs["message_id"])
        assert encryption.unseal(row.sealed_context)["code"] == known_code
        assert row.to == "ada@example.com"

    def test_a_broker_that_is_down_does_not_fail_the_request_the_email_goes_inline(
        self, user, request_code, mailoutbox, caplog
    ):
        caplog.set_level(logging.WARNING, logger="accounts")
        with celery_app(f"redis://127.0.0.1:{free_port()}/0"):
            started = time.monotonic()
            response = request_code(user)
            elapsed = time.monotonic() - started

        assert response.status_code == 200
        assert elapsed < 5
        assert "broker unavailable" in caplog.text
        [message] = mailoutbox
        assert message.to == ["ada@example.com"]

    def test_a_broker_that_never_answers_cannot_hang_the_request(
        self, user, request_code, mailoutbox
    ):
        with socket.socket() as blackhole:
            blackhole.bind(("127.0.0.1", 0))
            blackhole.listen(1)  # accepts the TCP handshake, never replies
            broker = f"redis://127.0.0.1:{blackhole.getsockname()[1]}/0"
            with celery_app(broker):
                started = time.monotonic()
                response = request_code(user)
                elapsed = time.monotonic() - started

        assert response.status_code == 200
        assert elapsed < 8  # the broker's socket timeout, then the email goes inline
        assert len(mailoutbox) == 1

    def test_broker_and_smtp_both_down_the_request_still_succeeds(
        self, user, request_code, failing_backend
    ):
        with celery_app(f"amqp://guest:guest@127.0.0.1:{free_port()}//"):
            response = request_code(user)

        assert response.status_code == 200
        assert failing_backend.calls == 1


@pytest.mark.django_db(transaction=True)
class TestWorker:
    """A Celery worker in a thread, on Celery's in-memory broker (no service needed).

    Its thread reads the outbox with its own database connection: the rows must be committed.

    One worker serves the whole class: stopping it takes seconds (its loop polls every 2 s).
    It reads Django's settings at each send, so each test points it where it needs.
    """

    @pytest.fixture(scope="class")
    @classmethod
    def worker(cls):
        with (
            celery_app("memory://", broker_transport_options={"polling_interval": 0.05}) as app,
            start_worker(app, perform_ping_check=False, shutdown_timeout=10),
        ):
            yield app

    def test_smtp_down_then_back_the_email_is_delivered_once_by_a_retry(
        self, user, request_code, settings, fast_retries, worker, caplog
    ):
        caplog.set_level(logging.WARNING, logger="accounts.tasks")
        port = free_port()  # nothing listens yet: connections are refused
        use_smtp(settings, port, timeout=2)

        response = request_code(user)

        assert response.status_code == 200
        assert wait_for(lambda: caplog.text.count("will retry") >= 2, timeout=10)
        with smtp_server(port) as smtp:
            assert wait_for(lambda: smtp.messages, timeout=10)
            time.sleep(0.5)  # a duplicate would arrive now
            messages = smtp.messages
        assert len(messages) == 1
        assert smtp.recipients == [["ada@example.com"]]
        code = code_in(messages[0])
        verified = APIClient().post(
            VERIFY_URL, {"uuid": str(user.uuid), "code": code}, format="json"
        )
        assert verified.status_code == 200

    def test_retries_back_off_exponentially(
        self, user, request_code, failing_backend, settings, worker
    ):
        settings.EMAIL_RETRY_BASE_DELAY = 0.1
        settings.EMAIL_RETRY_MAX_DELAY = 10
        settings.EMAIL_MAX_RETRIES = 4
        times: list[float] = []
        original = FailingBackend.send_messages

        def timed(backend, messages):
            times.append(time.monotonic())
            return original(backend, messages)

        FailingBackend.send_messages = timed
        try:
            request_code(user)
            assert wait_for(lambda: len(times) == 5, timeout=15)
            time.sleep(0.3)
        finally:
            FailingBackend.send_messages = original

        assert len(times) == 5  # the first attempt and EMAIL_MAX_RETRIES retries, no more
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        # Each wait is 0.1 * 2**n scaled by a jitter in [0.5, 1]: the last is longer than the first.
        assert gaps[-1] > gaps[0]
        assert gaps[-1] >= 0.8 * 0.5

    def test_a_permanent_refusal_is_not_retried(
        self, user, request_code, failing_backend, fast_retries, worker
    ):
        failing_backend.error = smtplib.SMTPRecipientsRefused(
            {"ada@example.com": (550, b"5.1.1 no such user")}
        )

        request_code(user)

        assert wait_for(lambda: failing_backend.calls >= 1, timeout=10)
        time.sleep(0.6)  # several retry delays
        assert failing_backend.calls == 1


def _cache_contents() -> list[bytes]:
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        return [key.encode() + b"=" + value for key, value in backend._cache.items()]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client()
        return [key + b"=" + (client.dump(key) or b"") for key in client.scan_iter()]
    pytest.fail(f"unexpected cache backend {type(backend).__name__}")


def _database_contents() -> list[str]:
    return [repr(row) for model in apps.get_models() for row in model.objects.values_list()]


def test_no_code_in_plaintext_in_the_database_or_the_cache(
    user, request_code, known_code, session_client
):
    # Throttle counters, idempotency markers, sessions: everything written along the way.
    assert request_code(user).status_code == 200
    client = APIClient()
    client.post(VERIFY_URL, {"uuid": str(user.uuid), "code": "000000"}, format="json")
    session_client(user)

    database = _database_contents()
    cache = _cache_contents()

    assert any(str(user.uuid) in entry.decode(errors="replace") for entry in cache)
    assert not [row for row in database if known_code in row]
    assert not [entry for entry in cache if known_code.encode() in entry]
