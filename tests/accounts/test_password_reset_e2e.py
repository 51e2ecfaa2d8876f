"""Password reset end to end: gunicorn with production variables, a real SMTP server, the link
read from the delivered email, and the access log checked for the token."""

import http.client
import json
import os
import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.accounts.email_support import smtp_server, text_body, wait_for
from tests.gunicorn_server import running_gunicorn, suite_database_url
from tests.test_serving import production_env

PASSWORD = "the first passphrase 31"
NEW_PASSWORD = "the second passphrase 47"
EMAIL = "reset@example.com"


class Client:
    def __init__(self, base: str) -> None:
        self.netloc = urlsplit(base).netloc
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Host": "api.example.com", "X-Forwarded-Proto": "https"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if method not in ("GET", "HEAD"):
                headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
                headers["Referer"] = "https://api.example.com/"
        conn = http.client.HTTPConnection(self.netloc, timeout=15)
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        conn.close()
        return response.status, json.loads(raw) if raw else None


@pytest.fixture
def stack(transactional_db: None) -> Iterator[tuple[str, Any, list[str]]]:
    cache_url = os.environ.get("CACHE_URL", "")
    if not cache_url.startswith("redis://"):
        pytest.skip("needs CACHE_URL=redis://…")
    log: list[str] = []
    with smtp_server() as smtp:
        env = production_env(
            DATABASE_URL=suite_database_url(),
            CACHE_URL=cache_url,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
            ALLOWED_HOSTS="api.example.com",
            PASSWORD_RESET_URL="https://app.example.com/reset",
            WEB_CONCURRENCY="1",
            LOG_LEVEL="DEBUG",
        )
        with running_gunicorn(env, log=log, access_log=True) as base:
            yield base, smtp, log


@pytest.mark.postgres
def test_a_forgotten_password_is_reset_through_the_emailed_link(stack):
    base, smtp, log = stack
    browser, stranger = Client(base), Client(base)
    status, _ = browser.send(
        "POST", "/api/signup/", {"email": EMAIL, "password": PASSWORD, "first_name": "Rosa"}
    )
    assert status == 201
    assert browser.send("GET", "/api/users/@me/")[0] == 200
    delivered = len(smtp.messages)  # the sign-up's verification code

    assert stranger.send("POST", "/api/reset/", {"email": "Reset@Example.com"}) == (204, None)
    assert stranger.send("POST", "/api/reset/", {"email": "nobody@example.com"}) == (204, None)

    assert wait_for(lambda: len(smtp.messages) > delivered, timeout=10)
    message = smtp.messages[delivered]
    assert smtp.recipients[delivered] == [EMAIL]
    assert message["Subject"] == "Reset your password"
    link = re.search(r"https://app\.example\.com/reset/\S+", text_body(message)).group(0)
    assert link in message.get_body(preferencelist=("html",)).get_content()
    uuid, token = urlsplit(link).path.strip("/").split("/")[1:]

    assert stranger.send("GET", f"/api/reset/{uuid}/?token={token}") == (200, {"success": True})
    status, body = stranger.send(
        "POST", f"/api/reset/{uuid}/", {"token": token, "password": NEW_PASSWORD}
    )
    assert (status, body) == (200, {"email": EMAIL})
    assert "sessionid" not in stranger.cookies  # never signed in

    # The old session is over, the link is spent, the new password signs in.
    assert browser.send("GET", "/api/users/@me/")[0] == 401
    status, body = stranger.send("GET", f"/api/reset/{uuid}/?token={token}")
    assert (status, body["code"]) == (400, "invalid_token")
    assert (
        Client(base).send("POST", "/api/login/", {"email": EMAIL, "password": PASSWORD})[0] == 401
    )
    status, _ = Client(base).send("POST", "/api/login/", {"email": EMAIL, "password": NEW_PASSWORD})
    assert status == 200

    # A security notice, and nothing sent for the unknown address.
    assert wait_for(lambda: len(smtp.messages) == delivered + 2, timeout=10)
    assert smtp.messages[delivered + 1]["Subject"] == "Your password was reset"
    assert [r for r in smtp.recipients if r != [EMAIL]] == []

    # The access log has the requests, never the token.
    reset_lines = [line for line in log if "/api/reset/" in line]
    assert len(reset_lines) >= 5, log
    assert not [line for line in log if token in line]
