"""Recent authentication (docs/api.md §1.6) on this branch's sensitive writes: minting and
changing keys.

Creating, rolling and re-scoping a key mint or widen a long-lived credential, so a session must
have proved its password within ``SENSITIVE_ACTION_MAX_AGE``. Revoking stays allowed.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

KEYS = "/api/personal_api_keys/"
START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def short_window(settings):
    """Requested before ``logged_in``, so the login already sees the short age."""
    settings.SENSITIVE_ACTION_MAX_AGE = timedelta(minutes=5)


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def logged_in(make_user, traveller):
    user = make_user(email="ada@example.com")
    client = APIClient()
    response = client.post("/api/login/", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 200
    client.login_response = response
    client.user = user
    return client


def test_login_reports_when_the_sensitive_window_closes(short_window, logged_in):
    data = logged_in.login_response.json()

    assert datetime.fromisoformat(data["sensitive_session_expires_at"]) == START + timedelta(
        minutes=5
    )
    assert datetime.fromisoformat(data["fresh_reauth_expires_at"]) == START + timedelta(minutes=10)


def test_a_fresh_session_may_mint_a_key(short_window, logged_in, traveller):
    traveller.shift(timedelta(minutes=4))

    response = logged_in.post(KEYS, {"label": "CI", "scopes": ["*"]}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "", {"label": "CI", "scopes": ["*"]}),
        ("patch", "{id}/", {"scopes": ["*"]}),
        ("post", "{id}/roll/", None),
    ],
)
def test_a_stale_session_must_reauthenticate(
    short_window, logged_in, traveller, make_api_key, method, path, body
):
    key, _ = make_api_key("user:read", user=logged_in.user)
    traveller.shift(timedelta(minutes=5, seconds=1))

    response = getattr(logged_in, method)(KEYS + path.format(id=key.pk), body, format="json")

    assert response.status_code == 403
    assert response.json()["type"] == "authentication_error"
    assert response.json()["code"] == "sensitive_action_required_reauth"
    key.refresh_from_db()
    assert key.scopes == ["user:read"]


def test_a_stale_session_may_still_read_and_revoke(
    short_window, logged_in, traveller, make_api_key
):
    key, _ = make_api_key("user:read", user=logged_in.user)
    traveller.shift(timedelta(hours=3))

    assert logged_in.get(KEYS).status_code == 200
    assert logged_in.delete(f"{KEYS}{key.pk}/").status_code == 204


def test_logging_in_again_makes_the_session_fresh(short_window, logged_in, traveller):
    traveller.shift(timedelta(minutes=10))
    assert logged_in.post(KEYS, {"label": "a", "scopes": ["*"]}, format="json").status_code == 403

    logged_in.post("/api/login/", {"email": "ada@example.com", "password": PASSWORD})

    assert logged_in.post(KEYS, {"label": "a", "scopes": ["*"]}, format="json").status_code == 201


def test_the_default_window_is_two_hours(logged_in, traveller):
    traveller.shift(timedelta(hours=1, minutes=59))
    assert logged_in.post(KEYS, {"label": "a", "scopes": ["*"]}, format="json").status_code == 201

    traveller.shift(timedelta(minutes=2))
    assert logged_in.post(KEYS, {"label": "b", "scopes": ["*"]}, format="json").status_code == 403


def test_a_session_that_never_proved_a_password_is_not_fresh(session_client):
    client = session_client(fresh=False)

    response = client.post(KEYS, {"label": "a", "scopes": ["*"]}, format="json")

    assert response.json()["code"] == "sensitive_action_required_reauth"
