"""Two real server processes share nothing but PostgreSQL and Redis: any of them serves any client.

Sessions, throttle counters and logout must hold across processes, as behind a load balancer.
Runs against the suite's own test database (committed data: ``transaction=True``).
"""

import http.client
import json
import os
import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from accounts.hashers import Argon2idPasswordHasher
from tests.conftest import PASSWORD
from tests.gunicorn_server import running_gunicorn, suite_database_url

ROOT = Path(__file__).resolve().parent.parent
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


class Browser:
    """A cookie-keeping client that echoes the CSRF token, like the web app."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, server: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD") and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        conn = http.client.HTTPConnection(urlsplit(server).netloc, timeout=10)
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def server_pair(django_db_setup: None) -> Iterator[tuple[str, str]]:
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("needs a shared cache: set CACHE_URL=redis://...")
    env = {
        **os.environ,
        # The suite's test database: the servers see exactly what the test committed.
        "DATABASE_URL": suite_database_url(),
        "CACHE_URL": os.environ["CACHE_URL"],
        "THROTTLE_LOGIN_EMAIL": "3/min",
        "THROTTLE_LOGIN_IP": "100/min",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_CONCURRENCY": "1",
    }
    with running_gunicorn(env) as a, running_gunicorn(env) as b:
        yield a, b


@pytest.fixture
def servers(server_pair: tuple[str, str], transactional_db: None) -> tuple[str, str]:
    """The running pair, with this test's data committed where they can see it."""
    return server_pair


@pytest.fixture
def make_served_user(make_user: Any) -> Any:
    """A user whose password the servers can check: they hash with the production hasher."""

    def make(**fields: Any) -> Any:
        user = make_user(**fields)
        hasher = Argon2idPasswordHasher()
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
        return user

    return make


@pytest.mark.postgres
def test_a_session_made_on_one_process_works_on_the_other_until_logout(servers, make_served_user):
    a, b = servers
    make_served_user(email="ada@example.com")
    browser = Browser()

    status, body = browser.request(
        a, "POST", "/api/login/", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert status == 200, body
    assert {"sessionid", "csrftoken"} <= set(browser.cookies)

    assert browser.request(b, "GET", "/api/personal_api_keys/")[0] == 200
    status, body = browser.request(
        b, "POST", "/api/personal_api_keys/", {"label": "ci", "scopes": ["user:read"]}
    )
    assert status == 201, body
    assert browser.request(a, "GET", "/api/personal_api_keys/")[1]["count"] == 1

    assert browser.request(b, "POST", "/api/logout/")[0] == 204
    status, body = browser.request(a, "GET", "/api/personal_api_keys/")
    assert status == 401
    assert body["code"] == "not_authenticated"


@pytest.mark.postgres
def test_the_login_throttle_counts_across_processes(servers, make_served_user):
    a, b = servers
    make_served_user(email="ada@example.com")
    wrong = {"email": "ada@example.com", "password": "wrong password"}

    statuses = [Browser().request(server, "POST", "/api/login/", wrong)[0] for server in (a, b, a)]
    status, body = Browser().request(b, "POST", "/api/login/", wrong)

    assert statuses == [401, 401, 401]
    assert status == 429
    assert body["code"] == "throttled"


@pytest.mark.postgres
def test_a_key_revoked_on_one_process_is_refused_by_the_other(
    servers, make_served_user, make_api_key
):
    a, b = servers
    user = make_served_user(email="ada@example.com")
    key, value = make_api_key("*", user=user)

    def current(server: str) -> int:
        conn = http.client.HTTPConnection(urlsplit(server).netloc, timeout=10)
        conn.request(
            "GET", "/api/personal_api_keys/@current/", headers={"Authorization": f"Bearer {value}"}
        )
        return conn.getresponse().status

    assert current(a) == 200
    browser = Browser()
    browser.request(b, "POST", "/api/login/", {"email": "ada@example.com", "password": PASSWORD})
    assert browser.request(b, "DELETE", f"/api/personal_api_keys/{key.pk}/")[0] == 204

    assert current(a) == 401


@pytest.mark.postgres
def test_a_login_session_ended_on_one_process_is_refused_by_the_other(servers, make_served_user):
    a, b = servers
    make_served_user(email="ada@example.com")
    credentials = {"email": "ada@example.com", "password": PASSWORD}
    laptop, phone = Browser(), Browser()
    assert laptop.request(a, "POST", "/api/login/", credentials)[0] == 200
    assert phone.request(b, "POST", "/api/login/", credentials)[0] == 200
    assert laptop.request(b, "GET", "/api/users/@me/")[0] == 200  # warm on both processes
    assert laptop.request(a, "GET", "/api/users/@me/")[0] == 200

    status, body = phone.request(b, "GET", "/api/users/@me/login_sessions/")
    assert status == 200, body
    assert [row["is_current"] for row in body["results"]] == [True, False]
    other = body["results"][1]["id"]
    assert phone.request(a, "DELETE", f"/api/users/@me/login_sessions/{other}/")[0] == 204

    status, body = laptop.request(b, "GET", "/api/users/@me/")
    assert status == 401
    assert body["code"] == "not_authenticated"
    assert phone.request(b, "GET", "/api/users/@me/")[0] == 200
