"""Using a personal API key: the Bearer header only, ``@current``, ``last_used_at`` (docs/api.md
§1.3).
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PersonalAPIKey

CURRENT = "/api/personal_api_keys/@current/"


def bearer(value):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


@pytest.mark.parametrize("scopes", [["user:read"], ["user:write"], ["*"], ["user:read", "*"]])
def test_any_key_may_read_its_own_record(make_api_key, scopes):
    key, value = make_api_key(*scopes, label="mine")

    response = bearer(value).get(CURRENT)

    assert response.status_code == 200
    assert response.json()["id"] == str(key.pk)
    assert response.json()["label"] == "mine"
    assert response.json()["scopes"] == scopes
    assert response.json()["mask_value"] == key.mask_value
    assert "value" not in response.json()
    assert "secure_value" not in response.json()


def test_current_with_a_session_is_a_404(session_client):
    response = session_client().get(CURRENT)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_current_without_credentials_is_a_401(api_client, db):
    response = api_client.get(CURRENT)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header",
    ["Bearer phx_unknown", "Bearer phx_", "Bearer not-a-key", "Bearer ", "bearer phx_x y z"],
)
def test_a_bad_key_is_a_401(api_client, db, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    response = api_client.get(CURRENT)

    assert response.status_code == 401
    assert response.json()["code"] in {"authentication_failed", "not_authenticated"}


def test_a_bad_key_is_refused_even_alongside_a_valid_session(session_client):
    client = session_client()
    client.credentials(HTTP_AUTHORIZATION="Bearer phx_revoked")

    response = client.get("/api/personal_api_keys/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_key_of_an_inactive_user_is_refused(make_api_key, make_user):
    user = make_user(is_active=False)
    _, value = make_api_key("*", user=user)

    assert bearer(value).get(CURRENT).status_code == 401


@pytest.mark.parametrize("param", ["personal_api_key", "api_key", "token"])
def test_a_key_in_the_query_string_is_refused(api_client, make_api_key, param):
    _, value = make_api_key("*")

    response = api_client.get(f"{CURRENT}?{param}={value}")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize("fmt", ["json", "multipart"])
@pytest.mark.parametrize("field", ["personal_api_key", "api_key"])
def test_a_key_in_the_body_is_refused(api_client, make_api_key, make_user, fmt, field):
    _, value = make_api_key("*")

    # Even on an anonymous endpoint: a key anywhere but the header is never silently ignored.
    response = api_client.post(
        "/api/login/", {"email": "a@example.com", "password": "x", field: value}, format=fmt
    )

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_key_in_the_body_is_refused_alongside_a_session(session_client, make_api_key):
    _, value = make_api_key("*")

    response = session_client().post(
        "/api/personal_api_keys/",
        {"label": "x", "scopes": ["*"], "personal_api_key": value},
        format="json",
    )

    assert response.status_code == 401
    assert not PersonalAPIKey.objects.filter(label="x").exists()


def test_last_used_at_is_written_at_most_hourly(make_api_key, django_assert_num_queries):
    key, value = make_api_key("user:read")
    client = bearer(value)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        client.get(CURRENT)
    key.refresh_from_db()
    assert key.last_used_at == start

    # The key lookup only: no write.
    with (
        time_machine.travel(start + timedelta(minutes=59), tick=False),
        django_assert_num_queries(1),
    ):
        client.get(CURRENT)
    key.refresh_from_db()
    assert key.last_used_at == start

    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        client.get(CURRENT)
    key.refresh_from_db()
    assert key.last_used_at == start + timedelta(minutes=61)
