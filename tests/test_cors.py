"""A web app on another origin uses the API from a browser (CORS + CSRF over HTTPS)."""

import http.client
import json
import os
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.gunicorn_server import running_gunicorn, suite_database_url
from tests.test_serving import production_env

APP = "https://app.example.com"
EVIL = "https://evil.example.net"
ME = "/api/users/@me/"
# What the TLS-terminating proxy adds, and what a browser sends on a cross-origin request.
BROWSER = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_ORIGIN": APP}


@pytest.fixture
def production(settings: Any) -> Any:
    """HTTPS-only cookies and redirects as in production, the app's origin configured."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CSRF_TRUSTED_ORIGINS = [APP]
    return settings


@pytest.fixture
def browser() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


def preflight(client: APIClient, path: str, method: str, origin: str = APP) -> Any:
    return client.options(
        path,
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-csrftoken",
    )


def log_in(browser: APIClient, make_user: Any) -> str:
    make_user(email="ada@example.com")
    response = browser.post(
        "/api/login/", {"email": "ada@example.com", "password": PASSWORD}, **BROWSER
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert response.cookies["sessionid"]["secure"]
    return response.cookies["csrftoken"].value


def test_a_preflight_is_answered_before_authentication(production, browser, db):
    response = preflight(browser, ME, "PATCH")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "PATCH" in response["Access-Control-Allow-Methods"]
    assert "x-csrftoken" in response["Access-Control-Allow-Headers"]


def test_a_preflight_over_plain_http_is_not_redirected(production, browser, db):
    response = browser.options(ME, HTTP_ORIGIN=APP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP


def test_another_origin_gets_no_cors_headers(production, browser, db):
    response = preflight(browser, ME, "PATCH", origin=EVIL)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_no_origin_is_allowed_by_default(browser, db):
    assert django_settings.CORS_ALLOWED_ORIGINS == []

    response = preflight(browser, ME, "PATCH")

    assert "Access-Control-Allow-Origin" not in response


def test_errors_carry_cors_headers_and_expose_retry_after_and_request_id(production, browser, db):
    response = browser.get(ME, **BROWSER)

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == APP
    exposed = {
        name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")
    }
    assert {"retry-after", "x-request-id"} <= exposed


def test_a_browser_signs_in_and_sends_unsafe_requests_with_the_token(
    production, browser, make_user
):
    token = log_in(browser, make_user)

    response = browser.patch(ME, {"first_name": "Ada"}, HTTP_X_CSRFTOKEN=token, **BROWSER)

    assert response.status_code == 200
    assert response.json()["first_name"] == "Ada"
    assert response["Access-Control-Allow-Origin"] == APP


def test_an_unsafe_request_without_the_token_is_refused(production, browser, make_user):
    log_in(browser, make_user)

    response = browser.patch(ME, {"first_name": "Ada"}, **BROWSER)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_unsafe_request_from_an_untrusted_origin_is_refused(production, browser, make_user):
    token = log_in(browser, make_user)

    response = browser.patch(
        ME,
        {"first_name": "Mallory"},
        HTTP_X_CSRFTOKEN=token,
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_ORIGIN=EVIL,
    )

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_a_non_browser_session_client_over_https_must_send_referer(production, browser, make_user):
    token = log_in(browser, make_user)
    # The proxy forwards to port 443's virtual host, as in production.
    https = {"HTTP_X_FORWARDED_PROTO": "https", "SERVER_PORT": "443", "HTTP_X_CSRFTOKEN": token}

    without = browser.patch(ME, {"first_name": "A"}, **https)
    with_referer = browser.patch(
        ME, {"first_name": "B"}, HTTP_REFERER="https://testserver/", **https
    )

    assert without.status_code == 403
    assert with_referer.status_code == 200, with_referer.json()


def test_plain_http_is_redirected_to_https(production, browser, db):
    response = browser.get(ME, HTTP_ORIGIN=APP)

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


# --- The same flow against gunicorn started with production variables --------------------------


class BrowserOn:
    """A browser tab on ``APP`` talking to the API server, cookies kept like a browser's."""

    def __init__(self, base: str) -> None:
        self.netloc = urlsplit(base).netloc
        self.cookies: dict[str, str] = {}

    def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, Any]:
        sent = {"Host": "api.example.com", "X-Forwarded-Proto": "https", "Origin": APP}
        if body is not None:
            sent["Content-Type"] = "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        conn = http.client.HTTPConnection(self.netloc, timeout=15)
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
        response = conn.getresponse()
        raw = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if not morsel.value:  # a deletion
                    self.cookies.pop(name, None)
                    continue
                assert morsel["secure"], f"{name} cookie without Secure"
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, json.loads(raw) if raw else None


@pytest.fixture
def api_server(transactional_db: None) -> Iterator[str]:
    cache_url = os.environ.get("CACHE_URL", "")
    if not cache_url.startswith("redis://"):
        pytest.skip("needs CACHE_URL=redis://…")
    env = production_env(
        DATABASE_URL=suite_database_url(),
        CACHE_URL=cache_url,
        ALLOWED_HOSTS="api.example.com",
        CORS_ALLOWED_ORIGINS=APP,  # CSRF_TRUSTED_ORIGINS follows it
        WEB_CONCURRENCY="1",
    )
    with running_gunicorn(env) as base:
        yield base


@pytest.mark.postgres
def test_the_browser_flow_against_the_production_process(api_server):
    tab = BrowserOn(api_server)

    status, headers, _ = tab.send(
        "OPTIONS",
        "/api/signup/",
        headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == APP
    assert headers["Access-Control-Allow-Credentials"] == "true"

    status, headers, body = tab.send(
        "POST",
        "/api/signup/",
        {"email": "web@example.com", "password": PASSWORD, "first_name": "Web"},
    )
    assert status == 201, body
    assert headers["Access-Control-Allow-Origin"] == APP
    assert {"sessionid", "csrftoken"} <= set(tab.cookies)

    status, _, body = tab.send("PATCH", ME, {"theme_mode": "dark"})
    assert status == 403, body  # no X-CSRFToken

    status, headers, body = tab.send(
        "PATCH", ME, {"theme_mode": "dark"}, {"X-CSRFToken": tab.cookies["csrftoken"]}
    )
    assert status == 200, body
    assert body["theme_mode"] == "dark"
    assert headers["Access-Control-Allow-Origin"] == APP

    status, _, _ = tab.send(
        "PATCH",
        ME,
        {"theme_mode": "light"},
        {"X-CSRFToken": tab.cookies["csrftoken"], "Origin": EVIL},
    )
    assert status == 403

    status, _, _ = tab.send(
        "POST", "/api/logout/", headers={"X-CSRFToken": tab.cookies["csrftoken"]}
    )
    assert status == 204
    status, _, _ = tab.send("GET", ME)
    assert status == 401
