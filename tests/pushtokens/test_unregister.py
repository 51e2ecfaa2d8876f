"""POST /api/users/@me/push_tokens/unregister/: only the caller's row, 204 always."""

import pytest

from pushtokens.models import PushToken

URL = "/api/users/@me/push_tokens/unregister/"
REGISTER = "/api/users/@me/push_tokens/"


@pytest.mark.django_db
def test_the_callers_token_is_deleted(api_key_client, make_user):
    user = make_user()
    client = api_key_client("user:write", user=user)
    client.post(REGISTER, {"token": "mine", "platform": "ios"}, format="json")
    client.post(REGISTER, {"token": "also-mine", "platform": "web"}, format="json")

    response = client.post(URL, {"token": "mine"}, format="json")

    assert response.status_code == 204
    assert not response.content
    assert list(user.push_tokens.values_list("token", flat=True)) == ["also-mine"]


@pytest.mark.django_db
def test_an_unknown_token_is_still_204(api_key_client):
    response = api_key_client("user:write").post(URL, {"token": "never-seen"}, format="json")

    assert response.status_code == 204


@pytest.mark.django_db
def test_another_users_token_is_never_deleted(api_key_client, make_user):
    owner, stranger = make_user(), make_user()
    api_key_client("user:write", user=owner).post(
        REGISTER, {"token": "owners", "platform": "android"}, format="json"
    )

    response = api_key_client("user:write", user=stranger).post(
        URL, {"token": "owners"}, format="json"
    )

    assert response.status_code == 204
    assert PushToken.objects.get().user == owner


@pytest.mark.django_db
def test_a_session_may_unregister(session_client, make_user):
    user = make_user()
    client = session_client(user)
    client.post(REGISTER, {"token": "t", "platform": "ios"}, format="json")

    assert client.post(URL, {"token": "t"}, format="json").status_code == 204
    assert not PushToken.objects.exists()


@pytest.mark.django_db
def test_a_read_only_key_is_refused(api_key_client, make_user):
    user = make_user()
    PushToken.objects.create(user=user, token="t", platform="ios")

    response = api_key_client("user:read", user=user).post(URL, {"token": "t"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert PushToken.objects.exists()


@pytest.mark.django_db
def test_anonymous_callers_are_not_authenticated(api_client):
    response = api_client.post(URL, {"token": "t"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize("as_staff", [False, True])
def test_only_the_literal_me_is_accepted(api_key_client, make_user, as_staff):
    caller, other = make_user(is_staff=as_staff), make_user()
    PushToken.objects.create(user=other, token="t", platform="ios")
    client = api_key_client("user:write", user=caller)

    for value in (str(other.uuid), str(caller.uuid), "not-a-uuid"):
        response = client.post(f"/api/users/{value}/push_tokens/unregister/", {"token": "t"})
        assert response.status_code == 403, value
        assert response.json()["code"] == "permission_denied"
    assert PushToken.objects.exists()


@pytest.mark.django_db
def test_the_body_is_validated_before_the_me_rule(api_key_client, make_user):
    url = f"/api/users/{make_user().uuid}/push_tokens/unregister/"
    client = api_key_client("user:write")

    assert client.post(url, {}, format="json").status_code == 400
    assert client.post(url, {"token": "t"}, format="json").status_code == 403
