"""JSON-valued user fields are bounded (issue 17 item 5); a stored value never breaks a read."""

import json

import pytest
from django.db import connection

from accounts.json_limits import MAX_BYTES, MAX_DEPTH
from accounts.models import User

pytestmark = pytest.mark.django_db

ME = "/api/users/@me/"
HEDGEHOG = "/api/users/@me/hedgehog_config/"


def _nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def _post_raw(client, path: str, body: str):
    return client.generic("PATCH", path, body, content_type="application/json")


@pytest.mark.parametrize("field", ["hedgehog_config", "events_column_config"])
def test_a_document_nested_too_deep_is_a_validation_error(session_client, field):
    user = User.objects.create_user("deep@example.com", "a long passphrase 12")
    client = session_client(user)
    response = client.patch(ME, {field: _nested(MAX_DEPTH + 1)}, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["code"] == "too_deep"
    assert response.json()["attr"] == field
    user.refresh_from_db()
    assert getattr(user, field) != _nested(MAX_DEPTH + 1)


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 200, 930])
def test_deep_documents_on_the_hedgehog_route_are_a_400(session_client, make_user, levels):
    """930 levels is the report; the parser already refuses it, the cap refuses the rest."""
    user = make_user()
    client = session_client(user)
    body = '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)

    response = _post_raw(client, HEDGEHOG, body)

    assert response.status_code == 400
    if levels < 900:  # deeper still, the JSON parser refuses first (parse_error)
        assert (response.json()["type"], response.json()["code"]) == (
            "validation_error",
            "too_deep",
        )
    user.refresh_from_db()
    assert user.hedgehog_config is None
    assert client.get(ME).status_code == 200


def test_the_deepest_allowed_document_is_stored(session_client, make_user):
    user = make_user()
    response = session_client(user).patch(HEDGEHOG, _nested(MAX_DEPTH), format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.hedgehog_config == _nested(MAX_DEPTH)


def test_a_document_too_large_is_a_validation_error(session_client):
    response = session_client().patch(HEDGEHOG, {"big": "x" * MAX_BYTES}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"


def test_patches_cannot_grow_the_document_past_the_size_cap(session_client, make_user):
    user = make_user()
    client = session_client(user)
    chunk = "x" * (MAX_BYTES // 3)
    for key in ("a", "b"):
        assert client.patch(HEDGEHOG, {key: chunk}, format="json").status_code == 200

    response = client.patch(HEDGEHOG, {"c": chunk}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    user.refresh_from_db()
    assert set(user.hedgehog_config) == {"a", "b"}


@pytest.mark.parametrize("field", ["hedgehog_config", "events_column_config"])
def test_a_deep_value_written_straight_to_the_database_does_not_break_the_user(
    session_client, make_user, field
):
    user = make_user()
    client = session_client(user)
    deep = '{"a":' * 930 + "1" + "}" * 930
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE accounts_user SET {field} = %s{cast} WHERE id = %s",  # noqa: S608 - fixed names
            [deep, user.pk],
        )

    me = client.get(ME)

    assert me.status_code == 200
    assert me.json()[field] is None
    assert client.get("/api/users/@me/hedgehog_config/").status_code == 200
    assert client.patch(ME, {"first_name": "Still"}, format="json").status_code == 200
    json.dumps(me.json())
