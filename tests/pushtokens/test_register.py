"""POST /api/users/@me/push_tokens/: auth, the @me rule, the upsert and its response."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from pushtokens.models import PushToken

URL = "/api/users/@me/push_tokens/"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DEVICE_TOKEN = "device-token-1"


def register(client: APIClient, token: str = DEVICE_TOKEN, platform: str = "ios", url=URL):
    return client.post(url, {"token": token, "platform": platform}, format="json")


@pytest.mark.django_db
def test_a_new_token_is_created_and_described_without_its_value(api_key_client, make_user):
    user = make_user()

    response = register(api_key_client("user:write", user=user), token="secret-device-token")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "platform", "created_at", "last_seen_at"}
    assert b"secret-device-token" not in response.content
    row = PushToken.objects.get()
    assert str(row.id) == body["id"]
    assert (row.user, row.token, row.platform) == (user, "secret-device-token", "ios")
    assert body["platform"] == "ios"


@pytest.mark.django_db
def test_registering_again_refreshes_platform_and_last_seen_and_keeps_the_row(
    api_key_client, time_machine
):
    client = api_key_client("user:write")
    time_machine.move_to(T0, tick=False)
    first = register(client, platform="ios").json()

    time_machine.move_to(T0 + timedelta(days=3), tick=False)
    second = register(client, platform="web").json()

    assert second["id"] == first["id"]
    assert second["created_at"] == first["created_at"] == "2025-03-01T12:00:00Z"
    assert second["last_seen_at"] == "2025-03-04T12:00:00Z"
    assert second["platform"] == "web"
    row = PushToken.objects.get()
    assert row.platform == "web"
    assert row.last_seen_at == T0 + timedelta(days=3)


@pytest.mark.django_db
def test_a_token_known_to_another_user_moves_to_the_caller(api_key_client, make_user, time_machine):
    old_owner, new_owner = make_user(), make_user()
    time_machine.move_to(T0, tick=False)
    first = register(api_key_client("user:write", user=old_owner), platform="android").json()

    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    response = register(api_key_client("user:write", user=new_owner), platform="ios")

    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    assert response.json()["created_at"] == first["created_at"]
    row = PushToken.objects.get()
    assert (row.user, row.platform, row.last_seen_at) == (new_owner, "ios", T0 + timedelta(hours=1))
    assert not old_owner.push_tokens.exists()


@pytest.mark.django_db
def test_a_session_may_register(session_client):
    response = register(session_client())

    assert response.status_code == 200
    assert PushToken.objects.count() == 1


@pytest.mark.django_db
def test_a_session_needs_the_csrf_token(make_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user())

    refused = register(client)
    client.cookies["csrftoken"] = "a" * 32
    accepted = client.post(
        URL, {"token": "t", "platform": "ios"}, format="json", HTTP_X_CSRFTOKEN="a" * 32
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert accepted.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("scopes", [("user:write",), ("*",), ("user:read", "user:write")])
def test_a_key_with_write_scope_may_register(api_key_client, scopes):
    assert register(api_key_client(*scopes)).status_code == 200


@pytest.mark.django_db
def test_a_read_only_key_is_refused(api_key_client):
    response = register(api_key_client("user:read"))

    assert response.status_code == 403
    assert response.json()["type"] == "authentication_error"
    assert response.json()["code"] == "permission_denied"
    assert not PushToken.objects.exists()


@pytest.mark.django_db
def test_anonymous_callers_are_not_authenticated(api_client):
    response = register(api_client)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "WWW-Authenticate" in response.headers


@pytest.mark.django_db
def test_an_unknown_key_fails_authentication(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer phx_" + "x" * 40)

    response = register(api_client)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db
@pytest.mark.parametrize("as_staff", [False, True])
def test_only_the_literal_me_is_accepted(api_key_client, make_user, as_staff):
    caller, other = make_user(is_staff=as_staff), make_user()
    client = api_key_client("user:write", user=caller)

    for value in (str(other.uuid), str(caller.uuid), "not-a-uuid", "@ME", "me"):
        response = register(client, url=f"/api/users/{value}/push_tokens/")
        assert response.status_code == 403, value
        assert response.json()["code"] == "permission_denied"
    assert not PushToken.objects.exists()


@pytest.mark.django_db
def test_the_body_is_validated_before_the_me_rule(api_key_client, make_user):
    other = make_user()
    client = api_key_client("user:write")
    url = f"/api/users/{other.uuid}/push_tokens/"

    invalid = client.post(url, {"platform": "ios"}, format="json")
    valid = register(client, url=url)

    assert invalid.status_code == 400
    assert (invalid.json()["code"], invalid.json()["attr"]) == ("required", "token")
    assert valid.status_code == 403
    assert valid.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_a_path_without_its_trailing_slash_is_not_found(api_key_client):
    response = register(api_key_client("user:write"), url=URL.rstrip("/"))

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_form_encoded_body_is_accepted(api_key_client):
    response = api_key_client("user:write").post(URL, {"token": "t", "platform": "web"})

    assert response.status_code == 200
    assert PushToken.objects.get().platform == "web"


@pytest.mark.django_db
def test_the_longest_token_is_accepted(api_key_client):
    assert register(api_key_client("user:write"), token="x" * 512).status_code == 200
    assert len(PushToken.objects.get().token) == 512


@pytest.mark.django_db
def test_query_budget_with_key_auth(
    api_key_client, make_api_key, make_user, django_assert_max_num_queries
):
    """Auth (1, plus an hourly last_used_at stamp) + upsert (1) + cap (1), whatever the count."""
    user = make_user()
    _, value = make_api_key("user:write", user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    PushToken.objects.bulk_create(
        PushToken(user=user, token=f"old-{n}", platform="ios") for n in range(25)
    )

    with django_assert_max_num_queries(4):
        assert register(client, token="first").status_code == 200
    with django_assert_max_num_queries(3):
        assert register(client, token="second").status_code == 200

    assert user.push_tokens.count() == 20
