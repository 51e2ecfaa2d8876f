"""Helpers for the email tests: a real SMTP server, Celery apps on a real broker, polling."""

import email
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from celery import Celery

import users_api.celery

VERIFY_URL = "/api/users/verify_email/"
REQUEST_URL = "/api/users/request_email_verification/"
CANCEL_URL = "/api/users/cancel_email_change_request/"

_CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"


class SMTPServer:
    def __init__(self, controller: Controller, collector: _Collector) -> None:
        self.port: int = controller.port
        self._collector = collector

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self._collector.messages)

    @property
    def recipients(self) -> list[list[str]]:
        return [list(envelope.rcpt_tos) for envelope in self._collector.envelopes]


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, collecting what it receives."""
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield SMTPServer(controller, collector)
    finally:
        controller.stop()


def use_smtp(settings: Any, port: int, timeout: int = 5) -> None:
    """Point Django's mail at the SMTP server on ``port`` (what ``EMAIL_URL=smtp://...`` sets)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = timeout


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def text_body(message: Any) -> str:
    """The plain-text part of a delivered message (``email.message``) or a Django message."""
    if hasattr(message, "get_body"):
        return message.get_body(preferencelist=("plain",)).get_content()
    return message.body


def code_in(message: Any) -> str:
    match = _CODE.search(text_body(message))
    assert match, "no code in the email"
    return match.group(1)


@contextmanager
def celery_app(broker_url: str, queue: str | None = None, **conf: Any) -> Iterator[Celery]:
    """A Celery app configured like ``users_api.celery.app`` but publishing to ``broker_url``.

    It becomes the current app, so ``send_templated_email.apply_async`` (a shared task) goes
    through it. Each app gets its own queue, so nothing from another test is consumed.
    """
    app = Celery("users_api", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        task_always_eager=False,
        broker_url=broker_url,
        task_default_queue=queue or f"test-emails-{uuid.uuid4().hex[:12]}",
        worker_hijack_root_logger=False,
        **conf,
    )
    app.set_current()
    try:
        yield app
    finally:
        users_api.celery.app.set_current()
        users_api.celery.app.set_default()
        app.close()


def broker_reachable(url: str) -> bool:
    """A Redis or AMQP broker at ``url`` accepts a connection (within about a second)."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=1) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:  # kombu, redis and amqp errors differ
        return False


def purge_queue(url: str, queue: str) -> None:
    """Delete a test's own queue from the broker (Redis keys or an AMQP queue)."""
    from kombu import Connection

    with Connection(url, connect_timeout=2) as connection:
        channel = connection.default_channel
        with suppress(Exception):  # already gone
            channel.queue_delete(queue)
        if url.startswith("redis"):
            client = channel.client
            for key in client.scan_iter(f"*{queue}*"):
                client.delete(key)


@contextmanager
def running_worker(env: dict[str, str], queue: str, *extra: str) -> Iterator[Callable[[], str]]:
    """``celery -A users_api worker`` in a subprocess on ``queue``; yields a reader of its log.

    Configured only by ``env``, like in production. Stopped by its PID (warm shutdown) at the end.
    """
    import subprocess
    import sys
    import tempfile
    from pathlib import Path
    from signal import SIGTERM

    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "users_api",
        "worker",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
        *extra,
    ]
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "worker.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT
            )

        def output() -> str:
            return log.read_text(errors="replace")

        try:
            assert wait_for(lambda: "ready." in output(), timeout=30), output()
            yield output
        finally:
            process.send_signal(SIGTERM)  # warm shutdown
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
