"""GET/PATCH /api/users/{uuid}/hedgehog_config/."""

import json

import pytest

URL = "/api/users/@me/hedgehog_config/"


def test_an_unset_configuration_reads_as_an_empty_object(make_user, session_client):
    response = session_client(make_user()).get(URL)
    assert response.status_code == 200
    assert response.json() == {}


def test_patch_merges_the_sent_keys(make_user, session_client):
    user = make_user(hedgehog_config={"enabled": True, "color": "green"})
    client = session_client(user, fresh=False)

    response = client.patch(URL, {"color": "blue", "accessories": ["hat"]}, format="json")

    assert response.status_code == 200
    expected = {"enabled": True, "color": "blue", "accessories": ["hat"]}
    assert response.json() == expected
    assert client.get(URL).json() == expected
    user.refresh_from_db()
    assert user.hedgehog_config == expected


@pytest.mark.parametrize("body", [[1, 2], "hat", 3, None])
def test_the_body_must_be_an_object(make_user, session_client, body):
    response = session_client(make_user()).patch(
        URL, json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_api_keys_read_with_read_and_write_with_write(make_user, api_key_client):
    user = make_user()
    reader, writer = api_key_client("user:read", user=user), api_key_client("user:write", user=user)

    assert reader.get(URL).status_code == 200
    assert reader.patch(URL, {"a": 1}, format="json").status_code == 403
    assert writer.patch(URL, {"a": 1}, format="json").json() == {"a": 1}


def test_staff_read_another_users_configuration(make_user, session_client):
    staff, other = make_user(is_staff=True), make_user(hedgehog_config={"enabled": True})
    response = session_client(staff).get(f"/api/users/{other.uuid}/hedgehog_config/")
    assert response.json() == {"enabled": True}


def test_non_staff_get_403_for_a_uuid(make_user, session_client):
    user = make_user()
    response = session_client(user).get(f"/api/users/{user.uuid}/hedgehog_config/")
    assert response.status_code == 403


def test_anonymous_callers_get_401(api_client, db):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"color": "\\u0000"}', "null_characters_not_allowed"),
        ('{"accessories": [{"\\u0000": 1}]}', "null_characters_not_allowed"),
        ('{"color": "\\ud800"}', "surrogate_characters_not_allowed"),
        ('{"\\udc00": true}', "surrogate_characters_not_allowed"),
    ],
)
def test_values_that_cannot_be_stored_are_a_400(make_user, session_client, raw, code):
    user = make_user(hedgehog_config={"enabled": True})

    response = session_client(user).patch(URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    user.refresh_from_db()
    assert user.hedgehog_config == {"enabled": True}


def test_a_form_body_with_a_nul_is_a_400(make_user, session_client):
    response = session_client(make_user()).patch(
        URL, "color=%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "null_characters_not_allowed"
