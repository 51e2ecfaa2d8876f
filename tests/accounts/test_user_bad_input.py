"""Bad input to the user resource is a 4xx in the error shape, never a 500."""

import json

import pytest

ME = "/api/users/@me/"
ERROR_KEYS = {"type", "code", "detail", "attr"}
NON_OBJECTS = ["[]", "[1, 2]", '"a string"', "42", "true", "null"]


def _assert_error(response, status):
    assert response.status_code == status, response.content
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("body", NON_OBJECTS)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_body_that_is_not_an_object_is_a_validation_error(
    make_user, session_client, body, method
):
    client = session_client(make_user())
    response = getattr(client, method)(ME, body, content_type="application/json")
    _assert_error(response, 400)
    assert response.json()["type"] == "validation_error"


@pytest.mark.parametrize("body", NON_OBJECTS)
def test_a_key_sending_a_non_object_is_a_validation_error(make_user, api_key_client, body):
    client = api_key_client("user:write", user=make_user())
    response = client.patch(ME, body, content_type="application/json")
    _assert_error(response, 400)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", {"a": 1}),
        ("first_name", ["x"]),
        ("last_name", True),
        ("email", 12),
        ("email", ["a@example.com"]),
        ("anonymize_data", "maybe"),
        ("anonymize_data", [True]),
        ("allow_impersonation", {"x": 1}),
        ("toolbar_mode", 3),
        ("toolbar_mode", ["toolbar"]),
        ("notification_settings", "all"),
        ("events_column_config", [1, 2]),
        ("events_column_config", "DEFAULT"),
        ("has_seen_product_intro_for", 5),
        ("hedgehog_config", "on"),
        ("theme_mode", {}),
        ("allow_sidebar_suggestions", "sometimes"),
        ("shortcut_position", 0),
        ("role_at_organization", ["data"]),
        ("passkeys_enabled_for_2fa", "nope"),
        ("set_current_organization", {"id": 1}),
        ("set_current_organization", "1234"),
        ("set_current_team", "abc"),
        ("set_current_team", 10**30),
        ("set_current_team", -1),
        ("set_current_team", 1.5),
        ("password", 12345678901),
        ("password", {"x": "y"}),
        ("current_password", ["x"]),
    ],
)
def test_wrong_types_are_refused_with_the_field_named(make_user, session_client, field, value):
    body = {field: value}
    if field == "password":
        body["current_password"] = "whatever"
    response = session_client(make_user(with_team=True)).patch(ME, body, format="json")
    _assert_error(response, 400)
    assert response.json()["attr"] in (field, "current_password")


@pytest.mark.parametrize(
    "field",
    [
        "first_name",
        "last_name",
        "email",
        "toolbar_mode",
        "notification_settings",
        "events_column_config",
        "is_staff",
        "set_current_organization",
        "set_current_team",
        "password",
        "passkeys_enabled_for_2fa",
    ],
)
def test_null_is_refused_where_a_field_has_no_null(make_user, session_client, field):
    user = make_user(is_staff=field == "is_staff")
    response = session_client(user).patch(ME, {field: None}, format="json")
    _assert_error(response, 400)
    assert (response.json()["code"], response.json()["attr"]) == ("null", field)


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "password"])
def test_huge_strings_are_refused(make_user, session_client, field):
    body = {field: "x" * 60_000}
    response = session_client(make_user()).patch(ME, body, format="json")
    _assert_error(response, 400)
    assert response.json()["attr"] == field


def test_a_body_over_the_size_limit_is_a_413(make_user, session_client):
    response = session_client(make_user()).patch(ME, {"first_name": "x" * 70_000}, format="json")
    _assert_error(response, 413)


def test_deeply_nested_json_is_a_parse_error(make_user, session_client):
    body = "[" * 30_000 + "]" * 30_000
    response = session_client(make_user()).patch(ME, body, content_type="application/json")
    _assert_error(response, 400)
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("value", ["not-a-uuid", "1", "@you", "%20", "x" * 500, "'--"])
@pytest.mark.parametrize("suffix", ["", "hedgehog_config/"])
def test_malformed_uuids_are_a_404_for_staff_and_a_403_for_others(
    make_user, session_client, value, suffix
):
    url = f"/api/users/{value}/{suffix}"
    _assert_error(session_client(make_user(is_staff=True)).get(url), 404)
    _assert_error(session_client(make_user()).get(url), 403)


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_malformed_uuids_on_writes_are_4xx(make_user, session_client, method):
    client = session_client(make_user(is_staff=True))
    response = getattr(client, method)("/api/users/not-a-uuid/", {}, format="json")
    _assert_error(response, 404)


@pytest.mark.parametrize(
    "params", [{"email": "x" * 300}, {"is_staff": "perhaps"}, {"email": ["a", "b"]}]
)
def test_bad_list_filters_are_4xx(make_user, session_client, params):
    response = session_client(make_user(is_staff=True)).get("/api/users/", params)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert set(response.json()) == ERROR_KEYS


def test_hedgehog_config_refuses_huge_bodies_and_bad_json(make_user, session_client):
    client = session_client(make_user())
    url = "/api/users/@me/hedgehog_config/"
    _assert_error(client.patch(url, {"x": "y" * 70_000}, format="json"), 413)
    _assert_error(client.patch(url, "{not json", content_type="application/json"), 400)
    _assert_error(client.patch(url, json.dumps({"a": 1}), content_type="text/plain"), 415)


@pytest.mark.parametrize(
    "field", ["events_column_config", "has_seen_product_intro_for", "hedgehog_config"]
)
@pytest.mark.parametrize(
    ("raw_value", "code"),
    [
        ('{"a": "x\\u0000y"}', "null_characters_not_allowed"),
        ('{"a\\u0000": 1}', "null_characters_not_allowed"),
        ('{"a": [{"b": ["\\u0000"]}]}', "null_characters_not_allowed"),
        ('{"a": "\\ud800"}', "surrogate_characters_not_allowed"),
        ('{"\\udc00": 1}', "surrogate_characters_not_allowed"),
        ('{"a": {"b": ["\\ud800"]}}', "surrogate_characters_not_allowed"),
    ],
)
def test_json_fields_refuse_what_cannot_be_stored(
    make_user, session_client, field, raw_value, code
):
    # PostgreSQL's jsonb has no \u0000 and UTF-8 no lone surrogate: both were a 500 on save.
    user = make_user()
    raw = '{"%s": %s}' % (field, raw_value)  # noqa: UP031 - raw JSON, escapes kept as sent

    response = session_client(user).patch(ME, raw, content_type="application/json")

    _assert_error(response, 400)
    assert (response.json()["code"], response.json()["attr"]) == (code, field)
    before = getattr(user, field)
    user.refresh_from_db()
    assert getattr(user, field) == before


def test_notification_settings_refuse_a_nul_in_a_per_project_key(make_user, session_client):
    raw = '{"notification_settings": {"project_weekly_digest_disabled": {"1\\u0000": true}}}'
    response = session_client(make_user()).patch(ME, raw, content_type="application/json")
    _assert_error(response, 400)
    assert (response.json()["code"], response.json()["attr"]) == (
        "null_characters_not_allowed",
        "notification_settings",
    )


@pytest.mark.parametrize("field", ["toolbar_mode", "theme_mode", "shortcut_position"])
def test_a_lone_surrogate_in_a_choice_is_a_400(make_user, session_client, field):
    raw = '{"%s": "\\ud800"}' % field  # noqa: UP031 - raw JSON, the escape kept as sent
    response = session_client(make_user()).patch(ME, raw, content_type="application/json")
    _assert_error(response, 400)
    assert (response.json()["code"], response.json()["attr"]) == ("invalid_choice", field)
