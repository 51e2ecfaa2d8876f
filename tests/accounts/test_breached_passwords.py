"""The breached-password check on sign-up, password change and password reset (issue 16).

Against a stub of the Pwned Passwords range API on 127.0.0.1: a known breached password, padding
lines (count 0), a slow answer and a 500.
"""

import hashlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from accounts import breached_passwords
from accounts.models import User
from tests.conftest import PASSWORD

BREACHED = "purple elephants dance at midnight 9"
PADDED = "seven silver spoons in a drawer 3"
CLEAN = "quiet rivers carry old lanterns 5"


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()  # noqa: S324 - the API's scheme


class RangeAPI:
    """What the stub answers, and what it was asked."""

    def __init__(self) -> None:
        self.mode = "ok"  # ok, slow, error
        self.requests: list[tuple[str, dict[str, str]]] = []

    def body(self, prefix: str) -> str:
        lines = [f"{prefix}{n:03d}{'0' * 32}:0" for n in range(50)]  # never a real suffix
        for password, count in ((BREACHED, 42), (PADDED, 0)):
            digest = sha1(password)
            if digest.startswith(prefix):
                lines.append(f"{digest[5:]}:{count}")
        return "\r\n".join(sorted(lines))


@pytest.fixture
def range_api(settings) -> Iterator[RangeAPI]:
    api = RangeAPI()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api.requests.append((self.path, dict(self.headers)))
            if api.mode == "slow":
                time.sleep(2)
            if api.mode == "error":
                self.send_response(500)
                self.end_headers()
                return
            body = api.body(self.path.rsplit("/", 1)[-1]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PWNED_PASSWORDS_URL = f"http://127.0.0.1:{server.server_port}/range/"
    yield api
    server.shutdown()
    server.server_close()


# --- The three entry points ----------------------------------------------------------------------


def sign_up(password: str, **_: Any) -> tuple[Any, Callable[[], bool]]:
    response = APIClient().post(
        "/api/signup/",
        {"email": "new@example.com", "password": password, "first_name": "New"},
        format="json",
    )

    def is_set() -> bool:
        user = User.objects.filter(email="new@example.com").first()
        return user is not None and user.check_password(password)

    return response, is_set


def change(password: str, *, user: User, session_client: Any, **_: Any) -> tuple[Any, Any]:
    response = session_client(user).patch(
        "/api/users/@me/",
        {"password": password, "current_password": PASSWORD},
        format="json",
    )
    return response, lambda: User.objects.get(pk=user.pk).check_password(password)


def reset(password: str, *, user: User, queued_emails: Any, capture: Any, **_: Any) -> Any:
    with capture(execute=True):
        assert APIClient().post("/api/reset/", {"email": user.email}, format="json").status_code
    *_, uuid, token = urlsplit(queued_emails[-1]["context"]["link"]).path.rstrip("/").split("/")
    response = APIClient().post(
        f"/api/reset/{uuid}/", {"token": token, "password": password}, format="json"
    )
    return response, lambda: User.objects.get(pk=user.pk).check_password(password)


ENTRY_POINTS = {"sign-up": sign_up, "password change": change, "password reset": reset}
OK = {"sign-up": 201, "password change": 200, "password reset": 200}


@pytest.fixture
def submit(make_user, session_client, queued_emails, django_capture_on_commit_callbacks):
    user = make_user(email="ada@example.com")

    def run(entry: str, password: str) -> tuple[Any, Callable[[], bool]]:
        return ENTRY_POINTS[entry](
            password,
            user=user,
            session_client=session_client,
            queued_emails=queued_emails,
            capture=django_capture_on_commit_callbacks,
        )

    return run


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_breached_password_is_refused(range_api, submit, entry):
    response, is_set = submit(entry, BREACHED)

    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["type"], body["code"], body["attr"]) == (
        "validation_error",
        "password_breached",
        "password",
    )
    assert not is_set()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_password_listed_only_as_padding_is_accepted(range_api, submit, entry):
    response, is_set = submit(entry, PADDED)

    assert response.status_code == OK[entry], response.content
    assert is_set()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("mode", ["slow", "error"])
def test_a_slow_or_failing_api_lets_the_password_through_and_is_counted(
    range_api, submit, entry, mode, caplog
):
    range_api.mode = mode
    before = breached_passwords.failed_open.value
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="accounts.breached_passwords"):
        response, is_set = submit(entry, BREACHED)

    assert response.status_code == OK[entry], response.content
    assert is_set()
    assert time.monotonic() - started < 1.9  # the 1 s timeout, not the stub's 2 s
    assert breached_passwords.failed_open.value == before + 1
    assert [r.message for r in caplog.records] == [
        "breached-password check unavailable; password accepted"
    ]


def test_only_the_prefix_leaves_with_padding_asked_and_nothing_secret_is_logged(
    range_api, submit, caplog
):
    with caplog.at_level(logging.DEBUG):
        submit("sign-up", BREACHED)

    [(path, headers)] = range_api.requests
    digest = sha1(BREACHED)
    assert path == f"/range/{digest[:5]}"
    assert headers["Add-Padding"] == "true"
    logged = caplog.text + repr([r.__dict__ for r in caplog.records])
    assert BREACHED not in logged
    assert digest[5:] not in logged
    assert digest[5:].lower() not in logged


def test_ranges_are_cached(range_api, submit):
    submit("sign-up", CLEAN)
    User.objects.filter(email="new@example.com").delete()
    submit("sign-up", CLEAN)

    assert len(range_api.requests) == 1


def test_an_unreachable_api_lets_the_password_through(settings, submit):
    with socket.socket() as sock:  # a port the kernel picked, closed again: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.PWNED_PASSWORDS_URL = f"http://127.0.0.1:{port}/range/"

    response, is_set = submit("sign-up", BREACHED)

    assert response.status_code == 201
    assert is_set()


def test_an_empty_url_turns_the_check_off(range_api, settings, submit):
    settings.PWNED_PASSWORDS_URL = ""

    response, _ = submit("sign-up", BREACHED)

    assert response.status_code == 201
    assert range_api.requests == []
