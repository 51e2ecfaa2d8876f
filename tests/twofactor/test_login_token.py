"""The login second step, ``POST /api/login/token/`` (docs/api.md §2.14)."""

import time
from unittest import mock

import pytest
from django.core.cache import cache
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import login_flow
from accounts.models import SecurityEvent
from twofactor.models import TOTPDevice

LOGIN_TOKEN = "/api/login/token/"
STATUS = "/api/users/@me/two_factor_status/"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.django_db
def test_a_totp_code_completes_the_login(make_user, enable_totp, password_step_client):
    user = make_user(email="grace@example.com")
    authenticator = enable_totp(user)
    client = password_step_client(user)

    response = client.post(LOGIN_TOKEN, {"token": authenticator.now()})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["email"], body["is_2fa_enabled"]) == ("grace@example.com", True)
    assert "csrftoken" in response.cookies
    assert client.session[DEVICE_ID_SESSION_KEY] == TOTPDevice.objects.get(user=user).persistent_id
    assert login_flow.PASSWORD_STEP_KEY not in client.session
    assert client.get(STATUS).status_code == 200
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.LOGIN_SUCCEEDED, context={"second_factor": "totp"}
    ).exists()


@pytest.mark.django_db
def test_without_a_password_step_the_login_has_expired(make_user, enable_totp, api_client):
    authenticator = enable_totp(make_user())
    response = api_client.post(LOGIN_TOKEN, {"token": authenticator.now()})
    assert response.status_code == 401
    assert response.json()["code"] == "2fa_expired"
    assert "WWW-Authenticate" in response


@pytest.mark.django_db
def test_the_password_step_expires_after_ten_minutes(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)

    clock.shift(10 * 60 + 1)
    response = client.post(LOGIN_TOKEN, {"token": authenticator.now()})

    assert response.status_code == 401
    assert response.json()["code"] == "2fa_expired"


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_counted(make_user, enable_totp, password_step_client):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)

    response = client.post(LOGIN_TOKEN, {"token": wrong(authenticator.now())})

    assert response.status_code == 401
    assert response.json()["code"] == "2fa_invalid"
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 1
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.SECOND_FACTOR_FAILED
    ).exists()
    assert client.get(STATUS).status_code == 401  # still no session


@pytest.mark.django_db
def test_a_user_with_2fa_gets_no_session_without_the_code(
    make_user, enable_totp, password_step_client
):
    user = make_user()
    enable_totp(user)
    client = password_step_client(user)

    assert client.get(STATUS).status_code == 401
    assert client.post(LOGIN_TOKEN, {}).status_code == 400
    assert client.post(LOGIN_TOKEN, {"token": None}, format="json").status_code == 400
    assert client.get(STATUS).status_code == 401


@pytest.mark.django_db
def test_a_code_accepted_once_is_never_accepted_again(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    code = authenticator.now()
    assert password_step_client(user).post(LOGIN_TOKEN, {"token": code}).status_code == 200

    clock.shift(5)  # still the same 30-second step
    replay = password_step_client(user).post(LOGIN_TOKEN, {"token": code})

    assert replay.status_code == 401
    assert replay.json()["code"] == "2fa_invalid"
    assert (
        SecurityEvent.objects.filter(user=user, type=SecurityEvent.Type.TOTP_REPLAY_REFUSED).count()
        == 1
    )


@pytest.mark.django_db
def test_a_code_of_an_earlier_step_is_refused_after_a_later_one_was_used(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    clock.shift(30)
    earlier = authenticator.at(int(time.time()) - 30)
    latest = password_step_client(user).post(LOGIN_TOKEN, {"token": authenticator.now()})
    assert latest.status_code == 200

    response = password_step_client(user).post(LOGIN_TOKEN, {"token": earlier})

    assert response.status_code == 401


@pytest.mark.django_db
def test_failures_back_off_exponentially(make_user, enable_totp, password_step_client, clock):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    assert client.post(LOGIN_TOKEN, {"token": wrong(authenticator.now())}).status_code == 401

    too_soon = client.post(LOGIN_TOKEN, {"token": authenticator.now()})
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "throttled"
    assert int(too_soon["Retry-After"]) >= 1

    clock.shift(1)
    assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 200
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 0


@pytest.mark.django_db
def test_the_two_factor_budget_is_six_attempts_per_user(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    for attempt in range(6):
        response = client.post(LOGIN_TOKEN, {"token": wrong(authenticator.now())})
        assert response.status_code == 401, attempt
        clock.shift(2**attempt)  # wait out the back-off

    # Another session of the same user draws on the same budget, even with the right code.
    response = password_step_client(user).post(LOGIN_TOKEN, {"token": authenticator.now()})

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


@pytest.mark.django_db
def test_the_two_factor_throttle_fails_closed_without_a_cache(
    make_user, enable_totp, password_step_client
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)

    with mock.patch.object(cache, "incr", side_effect=ConnectionError("cache down")):
        response = client.post(LOGIN_TOKEN, {"token": authenticator.now()})

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    [None, "", "12345", "1234567", "abcdef", "abcdefg1", ["123456"], {"a": 1}, True, 1.5, -1],
)
def test_a_malformed_token_is_a_400(make_user, enable_totp, password_step_client, token):
    user = make_user()
    enable_totp(user)
    response = password_step_client(user).post(LOGIN_TOKEN, {"token": token}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == "token"
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 0


@pytest.mark.django_db
def test_a_missing_token_is_required(api_client):
    response = api_client.post(LOGIN_TOKEN, {})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("required", "token")


@pytest.mark.django_db
def test_an_integer_token_is_accepted(make_user, enable_totp, password_step_client, clock):
    user = make_user()
    authenticator = enable_totp(user)
    response = password_step_client(user).post(
        LOGIN_TOKEN, {"token": int(authenticator.now())}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_api_key_cannot_complete_a_login(api_key_client):
    response = api_key_client("*").post(LOGIN_TOKEN, {"token": "123456"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_if_2fa_was_disabled_meanwhile_the_login_starts_over(
    make_user, enable_totp, password_step_client
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    TOTPDevice.objects.filter(user=user).delete()

    response = client.post(LOGIN_TOKEN, {"token": authenticator.now()})

    assert response.status_code == 401
    assert response.json()["code"] == "2fa_expired"


@pytest.mark.django_db
def test_the_login_second_step_query_budget(
    make_user, enable_totp, password_step_client, django_assert_max_num_queries
):
    user = make_user(with_team=True)
    authenticator = enable_totp(user)
    client = password_step_client(user)
    # + the login-session row and the first known device of the account
    with django_assert_max_num_queries(32):
        response = client.post(LOGIN_TOKEN, {"token": authenticator.now()})
    assert response.status_code == 200
