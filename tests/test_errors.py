"""The error contract (docs/api.md §1.2): the whole body once per status, and its headers."""

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from accounts import key_crypto
from organizations.models import OrganizationMembership
from tests.gunicorn_server import fetch, process_env, running_gunicorn

ME = "/api/users/@me/"


def _body(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "code", "detail", "attr"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def _expect(response, status: int, type_: str, code: str, attr: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = _body(response)
    assert (body["type"], body["code"], body["attr"]) == (type_, code, attr)
    return body


def test_400_validation_error_names_the_field(make_user, session_client):
    response = session_client(make_user()).patch(ME, {"theme_mode": "neon"}, format="json")
    _expect(response, 400, "validation_error", "invalid_choice", "theme_mode")


def test_400_nested_field_paths_are_joined_with_double_underscores(make_user, session_client):
    response = session_client(make_user()).patch(
        ME, {"notification_settings": {"bogus": True}}, format="json"
    )
    _expect(response, 400, "validation_error", "unknown_key", "notification_settings__bogus")


def test_400_malformed_json_is_an_invalid_request_parse_error(make_user, session_client):
    response = session_client(make_user()).patch(
        ME, '{"first_name": ', content_type="application/json"
    )
    _expect(response, 400, "invalid_request", "parse_error")


def test_400_a_non_object_body_is_a_validation_error(make_user, session_client):
    response = session_client(make_user()).patch(ME, "[1]", content_type="application/json")
    _expect(response, 400, "validation_error", "invalid_input")


def test_401_without_credentials_carries_www_authenticate(api_client, db):
    response = api_client.get(ME)
    _expect(response, 401, "authentication_error", "not_authenticated")
    assert response["WWW-Authenticate"]


def test_401_for_a_bad_key_carries_www_authenticate(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key_crypto.generate()}")
    response = api_client.get(ME)
    _expect(response, 401, "authentication_error", "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_403_permission_denied(make_user, session_client):
    other = make_user()
    response = session_client(make_user()).get(f"/api/users/{other.uuid}/")
    _expect(response, 403, "authentication_error", "permission_denied")


def test_403_freshness(make_user, session_client):
    response = session_client(make_user(), fresh=False).patch(
        ME, {"allow_impersonation": False}, format="json"
    )
    _expect(response, 403, "authentication_error", "sensitive_action_required_reauth")


def test_404_unknown_route(api_client, db):
    _expect(api_client.get("/api/no/such/route/"), 404, "invalid_request", "not_found")
    _expect(api_client.post("/nowhere", {}), 404, "invalid_request", "not_found")


def test_405_method_not_allowed(make_user, session_client):
    response = session_client(make_user()).post(ME, {}, format="json")
    _expect(response, 405, "invalid_request", "method_not_allowed")


def test_406_not_acceptable(make_user, session_client):
    response = session_client(make_user()).get(ME, HTTP_ACCEPT="text/html")
    _expect(response, 406, "invalid_request", "not_acceptable")


def test_409_conflict_is_an_invalid_request(make_user, session_client):
    user = make_user(with_team=True)
    OrganizationMembership.objects.create(
        organization=user.current_organization, user=make_user(), level=1
    )
    response = session_client(user).delete(ME)
    _expect(response, 409, "invalid_request", "conflict")


def test_413_body_over_64_kib_is_json(make_user, session_client):
    body = json.dumps({"first_name": "x" * (64 * 1024)})
    response = session_client(make_user()).patch(ME, body, content_type="application/json")
    _expect(response, 413, "invalid_request", "request_too_large")


def test_413_applies_before_authentication(api_client, db):
    response = api_client.post("/api/users/", "x" * (65 * 1024), content_type="text/plain")
    _expect(response, 413, "invalid_request", "request_too_large")


def test_415_unsupported_media_type(make_user, session_client):
    response = session_client(make_user()).patch(ME, "first_name=x", content_type="application/xml")
    _expect(response, 415, "invalid_request", "unsupported_media_type")


def test_429_throttled_carries_retry_after(make_user, session_client):
    client = session_client(make_user())
    body = {"password": "a brand new passphrase 99", "current_password": "wrong"}
    for _ in range(5):
        client.patch(ME, body, format="json")
    response = client.patch(ME, body, format="json")
    _expect(response, 429, "throttled_error", "throttled")
    assert int(response["Retry-After"]) >= 1


@pytest.mark.urls("tests.error_urls")
def test_500_from_an_api_view_leaks_nothing(db):
    response = Client(raise_request_exception=False).get("/_test/fail/api/")
    body = _expect(response, 500, "server_error", "error")
    assert b"secret internals" not in response.content
    assert "Traceback" not in body["detail"]


@pytest.mark.urls("tests.error_urls")
def test_500_from_a_plain_django_view_leaks_nothing(db):
    response = Client(raise_request_exception=False).get("/_test/fail/django/")
    _expect(response, 500, "server_error", "error")
    assert b"secret internals" not in response.content


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_503_when_the_database_is_unreachable():
    """A real server whose PostgreSQL port is closed answers 503 + Retry-After, quickly."""
    env = process_env(
        DEBUG="false",
        SECRET_KEY="unreachable-database-test-" + "k" * 40,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/users",
        SECURE_SSL_REDIRECT="false",
        WEB_CONCURRENCY="3",  # one request per worker, so they try to connect in parallel
    )
    session = {"Cookie": "sessionid=" + "s" * 32}
    requests = [
        (ME, {"Authorization": f"Bearer {key_crypto.generate()}"}),  # key lookup in a DRF view
        (ME, session),  # the session is read during DRF authentication
        ("/admin/", session),  # outside DRF: Django's 500 handler gives the same answer
    ]
    with running_gunicorn(env) as base, ThreadPoolExecutor(len(requests)) as pool:
        started = time.monotonic()
        replies = list(pool.map(lambda r: fetch(base + r[0], r[1]), requests))
        elapsed = time.monotonic() - started

    for reply in replies:
        assert reply.status == 503, reply.body
        body = json.loads(reply.body)
        assert body == {
            "type": "server_error",
            "code": "service_unavailable",
            "detail": body["detail"],
            "attr": None,
        }
        assert int(reply.headers["Retry-After"]) > 0
    # A refused connection is a 503 at once, not after a TCP timeout (DATABASE_CONNECT_TIMEOUT).
    assert elapsed < 6, f"took {elapsed:.1f}s"


def test_400_a_message_echoing_a_lone_surrogate_is_still_json(make_user, session_client):
    # The choice error repeats the value; UTF-8 cannot encode "\ud800", so it comes back escaped.
    raw = '{"toolbar_mode": "\\ud800"}'
    response = session_client(make_user()).patch(ME, raw, content_type="application/json")
    body = _expect(response, 400, "validation_error", "invalid_choice", "toolbar_mode")
    assert "\\ud800" in body["detail"]
