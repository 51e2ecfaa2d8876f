"""Bad bodies on both push-token routes are 4xx in the error shape, never a 500."""

import pytest

from pushtokens.models import PushToken

REGISTER = "/api/users/@me/push_tokens/"
UNREGISTER = "/api/users/@me/push_tokens/unregister/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "attr"),
    [
        ({}, "required", "token"),
        ({"platform": "ios"}, "required", "token"),
        ({"token": "t"}, "required", "platform"),
        ({"token": "", "platform": "ios"}, "blank", "token"),
        ({"token": "   ", "platform": "ios"}, "blank", "token"),
        ({"token": None, "platform": "ios"}, "null", "token"),
        ({"token": 123, "platform": "ios"}, "invalid_input", "token"),
        ({"token": True, "platform": "ios"}, "invalid_input", "token"),
        ({"token": ["t"], "platform": "ios"}, "invalid_input", "token"),
        ({"token": {"t": 1}, "platform": "ios"}, "invalid_input", "token"),
        ({"token": "x" * 513, "platform": "ios"}, "max_length", "token"),
        ({"token": "x" * 60_000, "platform": "ios"}, "max_length", "token"),
        ({"token": "a\x00b", "platform": "ios"}, "null_characters_not_allowed", "token"),
        ({"token": "t", "platform": "blackberry"}, "invalid_choice", "platform"),
        ({"token": "t", "platform": "IOS"}, "invalid_choice", "platform"),
        ({"token": "t", "platform": ""}, "invalid_choice", "platform"),
        ({"token": "t", "platform": None}, "null", "platform"),
        ({"token": "t", "platform": 1}, "invalid_choice", "platform"),
        ({"token": "t", "platform": ["ios"]}, "invalid_choice", "platform"),
        ({"token": "t", "platform": {"ios": 1}}, "invalid_choice", "platform"),
    ],
)
def test_invalid_registration_bodies(api_key_client, body, code, attr):
    response = api_key_client("user:write").post(REGISTER, body, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert (response.json()["code"], response.json()["attr"]) == (code, attr)
    assert not PushToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "attr"),
    [
        ({}, "required", "token"),
        ({"token": ""}, "blank", "token"),
        ({"token": None}, "null", "token"),
        ({"token": 7}, "invalid_input", "token"),
        ({"token": ["t"]}, "invalid_input", "token"),
        ({"token": "x" * 513}, "max_length", "token"),
    ],
)
def test_invalid_unregistration_bodies(api_key_client, body, code, attr):
    response = api_key_client("user:write").post(UNREGISTER, body, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == (code, attr)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REGISTER, UNREGISTER])
@pytest.mark.parametrize("raw", ["[]", '[{"token": "t", "platform": "ios"}]', '"t"', "42", "null"])
def test_a_body_that_is_not_an_object_is_a_validation_error(api_key_client, url, raw):
    response = api_key_client("user:write").post(url, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REGISTER, UNREGISTER])
def test_malformed_json_is_a_parse_error(api_key_client, url):
    response = api_key_client("user:write").post(url, '{"token": ', content_type="application/json")

    assert response.status_code == 400
    assert (response.json()["type"], response.json()["code"]) == ("invalid_request", "parse_error")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REGISTER, UNREGISTER])
def test_a_lone_surrogate_is_refused(api_key_client, url):
    raw = '{"token": "ab\\ud800cd", "platform": "ios"}'

    response = api_key_client("user:write").post(url, raw, content_type="application/json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("invalid_input", "token")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REGISTER, UNREGISTER])
def test_a_body_over_the_size_limit_is_refused(api_key_client, url):
    raw = '{"token": "' + "x" * 70_000 + '", "platform": "ios"}'

    response = api_key_client("user:write").post(url, raw, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["type"] == "invalid_request"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REGISTER, UNREGISTER])
def test_an_unsupported_media_type_is_refused(api_key_client, url):
    response = api_key_client("user:write").post(url, "token=t", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["type"] == "invalid_request"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "method"),
    [
        *((REGISTER, method) for method in ("put", "patch", "delete", "options")),
        *((UNREGISTER, method) for method in ("get", "put", "patch", "delete", "options")),
    ],
)
def test_other_methods_are_not_allowed(api_key_client, url, method):
    response = getattr(api_key_client("user:write"), method)(url)

    assert response.status_code == 405
    assert (response.json()["type"], response.json()["code"]) == (
        "invalid_request",
        "method_not_allowed",
    )
