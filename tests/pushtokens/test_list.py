"""GET /api/users/@me/push_tokens/: the caller's devices, never the token itself."""

from datetime import UTC, datetime, timedelta

import pytest

from pushtokens.models import PushToken

URL = "/api/users/@me/push_tokens/"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def register(client, token, platform="ios"):
    response = client.post(URL, {"token": token, "platform": platform}, format="json")
    assert response.status_code == 200
    return response.json()["id"]


@pytest.mark.django_db
def test_the_caller_sees_their_devices_most_recent_first_without_tokens(
    api_key_client, make_user, time_machine
):
    user = make_user()
    writer = api_key_client("user:write", user=user)
    time_machine.move_to(T0, tick=False)
    phone = register(writer, "secret-phone-token", "ios")
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    browser = register(writer, "secret-browser-token", "web")
    register(api_key_client("user:write"), "someone-elses-token", "android")

    response = api_key_client("user:read", user=user).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [browser, phone]
    assert body["results"][0] == {
        "id": browser,
        "platform": "web",
        "created_at": "2025-03-01T13:00:00Z",
        "last_seen_at": "2025-03-01T13:00:00Z",
    }
    assert b"secret" not in response.content
    assert b"someone" not in response.content


@pytest.mark.django_db
def test_a_session_lists_too_and_an_empty_list_is_a_page(session_client):
    response = session_client().get(URL)

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.django_db
def test_listing_another_users_devices_is_refused_even_for_staff(make_user, session_client):
    other = make_user()
    PushToken.objects.create(user=other, token="t", platform="ios")
    staff = make_user(is_staff=True)

    response = session_client(staff).get(f"/api/users/{other.uuid}/push_tokens/")

    assert response.status_code == 403


@pytest.mark.django_db
def test_anonymous_callers_are_401(api_client):
    assert api_client.get(URL).status_code == 401
