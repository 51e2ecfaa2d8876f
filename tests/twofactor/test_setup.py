"""TOTP setup and validation (docs/api.md §2.5, §2.6) through the HTTP API."""

import base64
import re
import time
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from django.contrib.sessions.models import Session
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from rest_framework.test import APIClient

from accounts.models import SecurityEvent
from twofactor.models import TOTPDevice

START = "/api/users/@me/two_factor_start_setup/"
VALIDATE = "/api/users/@me/two_factor_validate/"
STATUS = "/api/users/@me/two_factor_status/"


def start(client: APIClient) -> pyotp.TOTP:
    response = client.get(START)
    assert response.status_code == 200, response.content
    return pyotp.TOTP(response.json()["secret"])


def code_at(authenticator: pyotp.TOTP, offset: int = 0) -> str:
    return authenticator.at(int(time.time()) + offset)


@pytest.mark.django_db
def test_setup_returns_a_160_bit_secret_uri_and_qr_code(session_client, make_user, settings):
    settings.TOTP_ISSUER = "Acme Users"
    user = make_user(email="ada@example.com")
    response = session_client(user).get(START)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert re.fullmatch(r"[A-Z2-7]{32}", body["secret"])
    uri = urlparse(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == "/Acme Users:ada@example.com"
    assert parse_qs(uri.query) == {
        "secret": [body["secret"]],
        "issuer": ["Acme Users"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert body["qr_code_svg"].startswith("<svg")
    assert not TOTPDevice.objects.exists()  # nothing stored until validation


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["two_factor_start_setup", "start_2fa_setup"])
def test_setup_ignores_the_uuid_and_acts_on_the_caller(session_client, make_user, path):
    other = make_user()
    response = session_client().get(f"/api/users/{other.uuid}/{path}/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_pending_secret_is_not_stored_in_plaintext_in_the_session(session_client):
    client = session_client()
    secret = client.get(START).json()["secret"]

    raw = Session.objects.get(session_key=client.session.session_key).session_data
    decoded = str(client.session.load())
    for form in (secret, secret.lower(), base64.b32decode(secret).hex()):
        assert form not in raw
        assert form not in decoded


@pytest.mark.django_db
def test_two_factor_routes_are_session_only(api_key_client, api_client):
    key_client = api_key_client("*")
    assert key_client.get(START).status_code == 403
    assert key_client.post(VALIDATE, {"token": "123456"}).status_code == 403
    assert key_client.get(STATUS).status_code == 403
    assert key_client.post("/api/users/@me/two_factor_backup_codes/").status_code == 403
    assert key_client.post("/api/users/@me/two_factor_disable/").status_code == 403
    assert api_client.get(START).status_code == 401
    assert api_client.post(VALIDATE, {"token": "123456"}).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_a_code_of_the_previous_current_or_next_step_enables_2fa(
    session_client, make_user, clock, offset, sent_emails, django_capture_on_commit_callbacks
):
    user = make_user()
    client = session_client(user)
    authenticator = start(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(VALIDATE, {"token": code_at(authenticator, offset)})

    assert response.status_code == 200, response.content
    assert response.json() == {"success": True}
    assert user_has_device(user, confirmed=True)
    device = TOTPDevice.objects.get(user=user)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert device.drift == offset // 30
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.TWO_FACTOR_ENABLED
    ).exists()
    assert [(m["template"], m["to"]) for m in sent_emails] == [("two_factor_enabled", user.email)]
    assert sent_emails[0]["context"] == {"first_name": user.first_name, "email": user.email}


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-60, 60])
def test_a_code_two_steps_away_is_refused(session_client, clock, offset):
    client = session_client()
    authenticator = start(client)

    response = client.post(VALIDATE, {"token": code_at(authenticator, offset)})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("token_invalid", "token")
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_the_alias_validates_too(session_client, clock):
    client = session_client()
    authenticator = start(client)
    response = client.post("/api/users/@me/validate_2fa/", {"token": code_at(authenticator)})
    assert response.status_code == 200


@pytest.mark.django_db
def test_validation_without_a_started_setup_is_setup_expired(session_client):
    response = session_client().post(VALIDATE, {"token": "123456"})
    assert response.status_code == 400
    assert response.json()["code"] == "setup_expired"


@pytest.mark.django_db
def test_the_pending_secret_expires_after_ten_minutes(session_client, clock):
    client = session_client()
    authenticator = start(client)

    clock.shift(10 * 60 + 1)
    response = client.post(VALIDATE, {"token": code_at(authenticator)})

    assert response.status_code == 400
    assert response.json()["code"] == "setup_expired"
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_the_pending_secret_still_works_just_before_ten_minutes(session_client, clock):
    client = session_client()
    authenticator = start(client)
    clock.shift(10 * 60 - 1)
    assert client.post(VALIDATE, {"token": code_at(authenticator)}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("again", ["two_factor_start_setup", "start_2fa_setup"])
def test_starting_again_within_the_window_returns_the_same_secret(session_client, clock, again):
    client = session_client()
    first = client.get(START).json()
    clock.shift(9 * 60)
    second = client.get(f"/api/users/@me/{again}/").json()

    assert second["secret"] == first["secret"]
    assert second["otpauth_uri"] == first["otpauth_uri"]
    authenticator = pyotp.TOTP(first["secret"])
    assert client.post(VALIDATE, {"token": code_at(authenticator)}).status_code == 200


@pytest.mark.django_db
def test_a_repeated_start_does_not_extend_the_window(session_client, clock):
    client = session_client()
    authenticator = start(client)
    clock.shift(9 * 60)
    start(client)
    clock.shift(60 + 1)

    response = client.post(VALIDATE, {"token": code_at(authenticator)})

    assert response.json()["code"] == "setup_expired"


@pytest.mark.django_db
def test_the_secret_rotates_once_the_window_expired(session_client, clock):
    client = session_client()
    first = start(client)
    clock.shift(10 * 60 + 1)
    second = start(client)

    assert second.secret != first.secret
    refused = client.post(VALIDATE, {"token": code_at(first)})
    assert refused.json()["code"] == "token_invalid"
    assert client.post(VALIDATE, {"token": code_at(second)}).status_code == 200


@pytest.mark.django_db
def test_the_secret_rotates_after_setup_completed(session_client, clock):
    client = session_client()
    first = start(client)
    assert client.post(VALIDATE, {"token": code_at(first)}).status_code == 200

    assert start(client).secret != first.secret


@pytest.mark.django_db
def test_another_session_of_the_same_user_gets_its_own_secret(session_client, make_user, clock):
    user = make_user()

    assert start(session_client(user)).secret != start(session_client(user)).secret


@pytest.mark.django_db
def test_a_token_is_accepted_with_spaces(session_client, clock):
    client = session_client()
    code = code_at(start(client))
    response = client.post(VALIDATE, {"token": f" {code[:3]} {code[3:]} "})
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_json_integer_token_is_zero_padded(session_client, clock):
    client = session_client()
    # New sessions until the current code starts with 0, so the integer form loses a digit.
    authenticator = start(client)
    while not code_at(authenticator).startswith("0"):
        client = session_client()
        authenticator = start(client)
    response = client.post(VALIDATE, {"token": int(code_at(authenticator))}, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"token": None}, "null"),
        ({"token": ""}, "invalid_input"),
        ({"token": "12345"}, "invalid_input"),
        ({"token": "1234567"}, "invalid_input"),
        ({"token": "abcdef"}, "invalid_input"),
        ({"token": "12345a"}, "invalid_input"),
        ({"token": "١٢٣٤٥٦"}, "invalid_input"),  # Arabic-Indic digits are not ASCII digits
        ({"token": ["123456"]}, "invalid_input"),
        ({"token": {"code": "123456"}}, "invalid_input"),
        ({"token": True}, "invalid_input"),
        ({"token": 123456.0}, "invalid_input"),
        ({"token": 1_000_000}, "invalid_input"),
        ({"token": -1}, "invalid_input"),
        ({"token": "1" * 10_000}, "invalid_input"),
    ],
)
def test_a_malformed_token_is_a_400_on_token(session_client, body, code):
    client = session_client()
    start(client)
    response = client.post(VALIDATE, body, format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["code"], response.json()["attr"]) == (code, "token")


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["[1, 2]", '"123456"', "123456", "null"])
def test_a_body_that_is_not_an_object_is_a_400(session_client, payload):
    client = session_client()
    start(client)
    response = client.post(VALIDATE, payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


@pytest.mark.django_db
def test_validation_needs_a_recent_password(session_client, clock):
    client = session_client(fresh=False)
    authenticator = start(client)
    response = client.post(VALIDATE, {"token": code_at(authenticator)})
    assert response.status_code == 403
    assert response.json()["code"] == "sensitive_action_required_reauth"


@pytest.mark.django_db
def test_enabling_signs_out_other_sessions_but_keeps_this_one(session_client, make_user, clock):
    user = make_user()
    other_device = session_client(user)
    client = session_client(user)

    assert client.post(VALIDATE, {"token": code_at(start(client))}).status_code == 200

    assert client.get(STATUS).status_code == 200
    assert other_device.get(STATUS).status_code == 401


@pytest.mark.django_db
def test_the_pending_secret_is_gone_after_success(session_client, clock):
    client = session_client()
    authenticator = start(client)
    assert client.post(VALIDATE, {"token": code_at(authenticator)}).status_code == 200
    clock.shift(30)
    response = client.post(VALIDATE, {"token": code_at(authenticator)})
    assert response.json()["code"] == "setup_expired"


@pytest.mark.django_db
def test_setting_up_again_replaces_the_device(session_client, make_user, clock):
    user = make_user()
    client = session_client(user)
    assert client.post(VALIDATE, {"token": code_at(start(client))}).status_code == 200
    first_key = TOTPDevice.objects.get(user=user).key

    clock.shift(30)
    assert client.post(VALIDATE, {"token": code_at(start(client))}).status_code == 200

    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert TOTPDevice.objects.get(user=user).key != first_key


@pytest.mark.django_db
def test_the_code_that_enabled_2fa_cannot_log_in(
    session_client, make_user, clock, password_step_client
):
    user = make_user()
    client = session_client(user)
    code = code_at(start(client))
    assert client.post(VALIDATE, {"token": code}).status_code == 200

    response = password_step_client(user).post("/api/login/token/", {"token": code})

    assert response.status_code == 401
    assert response.json()["code"] == "2fa_invalid"
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.TOTP_REPLAY_REFUSED
    ).exists()


@pytest.mark.django_db
def test_wrong_setup_codes_share_the_two_factor_budget(session_client, clock):
    client = session_client()
    authenticator = start(client)
    wrong = f"{(int(code_at(authenticator)) + 1) % 1_000_000:06d}"
    for _ in range(6):
        assert client.post(VALIDATE, {"token": wrong}).json()["code"] == "token_invalid"

    response = client.post(VALIDATE, {"token": code_at(authenticator)})

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_after_setup_the_next_code_logs_in(session_client, make_user, clock, password_step_client):
    user = make_user()
    client = session_client(user)
    authenticator = start(client)
    assert client.post(VALIDATE, {"token": code_at(authenticator)}).status_code == 200

    clock.shift(30)
    response = password_step_client(user).post(
        "/api/login/token/", {"token": code_at(authenticator)}
    )

    assert response.status_code == 200
    assert response.json()["is_2fa_enabled"] is True
