"""The hot paths' queries compiled once per process and prepared on PostgreSQL
(users_api/prepared.py): same answers, current data on every call, nothing cached between calls.
"""

from typing import Any

import pytest
from django.db import connection, connections

from accounts.models import User
from users_api import prepared

ME = "/api/users/@me/"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
def test_repeated_key_requests_use_server_prepared_statements(
    api_key_client: Any, make_user: Any
) -> None:
    client = api_key_client("user:read", user=make_user(with_team=True))
    for _ in range(3):
        assert client.get(ME).status_code == 200
    statements = _prepared_statements()
    assert any('FROM "accounts_personalapikey"' in sql for sql in statements)
    assert any("representation_memberships" in sql for sql in statements)


@pytest.mark.postgres
def test_repeated_push_registrations_use_server_prepared_statements(
    api_key_client: Any, make_user: Any
) -> None:
    client = api_key_client("user:write", user=make_user())
    kept = []
    for n in range(3):
        body = {"token": f"device-{n}", "platform": "ios"}
        assert client.post("/api/users/@me/push_tokens/", body, format="json").status_code == 200
        kept.append(connections["default"].__dict__[prepared._KEPT_CURSOR])
    assert kept[0] is kept[1] is kept[2]  # one cursor, also for the statements run without it
    statements = _prepared_statements()
    assert any("INSERT INTO pushtokens_pushtoken" in sql for sql in statements)
    assert any("DELETE FROM pushtokens_pushtoken" in sql for sql in statements)


def test_each_request_reads_the_current_rows(api_key_client: Any, make_user: Any) -> None:
    user = make_user(with_team=True, first_name="Before")
    client = api_key_client("user:read", user=user)
    assert client.get(ME).json()["first_name"] == "Before"
    User.objects.filter(pk=user.pk).update(first_name="After")
    assert client.get(ME).json()["first_name"] == "After"


def test_a_key_revoked_between_two_requests_is_refused(
    make_api_key: Any, make_user: Any, api_client: Any
) -> None:
    key, value = make_api_key("user:read", user=make_user())
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    assert api_client.get(ME).status_code == 200
    key.delete()
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_gets_a_new_cursor_and_the_same_answers(
    api_key_client: Any, make_user: Any
) -> None:
    user = make_user(with_team=True, first_name="Kept")
    client = api_key_client("user:read", user=user)
    assert client.get(ME).json()["first_name"] == "Kept"
    first = connections["default"].__dict__[prepared._KEPT_CURSOR]
    assert client.get(ME).json()["first_name"] == "Kept"
    assert connections["default"].__dict__[prepared._KEPT_CURSOR] is first  # kept

    connection.close()  # as after CONN_MAX_AGE, or a connection the server ended
    User.objects.filter(pk=user.pk).update(first_name="Reconnected")
    assert client.get(ME).json()["first_name"] == "Reconnected"
    assert connections["default"].__dict__[prepared._KEPT_CURSOR][1] is not first[1]
