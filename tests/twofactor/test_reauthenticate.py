"""Re-authentication, ``POST /api/reauthenticate/`` (docs/api.md §1.6, §2.14)."""

from datetime import datetime, timedelta

import pytest

from tests.conftest import PASSWORD

REAUTH = "/api/reauthenticate/"
DISABLE = "/api/users/@me/two_factor_disable/"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.django_db
def test_the_password_renews_the_session_freshness(session_client, make_user, clock, settings):
    user = make_user()
    client = session_client(user, fresh=False)

    response = client.post(REAUTH, {"password": PASSWORD})

    assert response.status_code == 200, response.content
    body = response.json()
    fresh, sensitive = (
        parse(body["fresh_reauth_expires_at"]),
        parse(body["sensitive_session_expires_at"]),
    )
    assert sensitive - fresh == settings.SENSITIVE_ACTION_MAX_AGE - settings.FRESH_REAUTH_MAX_AGE
    assert client.post(DISABLE).status_code == 200  # a sensitive write is now allowed


@pytest.mark.django_db
def test_a_wrong_password_is_refused(session_client):
    client = session_client(fresh=False)
    response = client.post(REAUTH, {"password": "not the password"})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("incorrect_password", "password")
    assert client.post(DISABLE).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"password": None}, {"password": ["x"]}])
def test_a_missing_or_malformed_password_is_a_400(session_client, body):
    response = session_client().post(REAUTH, body, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "password"


@pytest.mark.django_db
def test_with_2fa_a_code_is_required(session_client, make_user, enable_totp):
    user = make_user()
    enable_totp(user)
    response = session_client(user, fresh=False).post(REAUTH, {"password": PASSWORD})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("2fa_required", "token")


@pytest.mark.django_db
def test_with_2fa_a_wrong_code_is_refused(session_client, make_user, enable_totp):
    user = make_user()
    authenticator = enable_totp(user)
    wrong = f"{(int(authenticator.now()) + 1) % 1_000_000:06d}"
    client = session_client(user, fresh=False)

    response = client.post(REAUTH, {"password": PASSWORD, "token": wrong})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("2fa_invalid", "token")
    assert client.post(DISABLE).status_code == 403


@pytest.mark.django_db
def test_with_2fa_the_password_and_a_code_renew_freshness(session_client, make_user, enable_totp):
    user = make_user()
    authenticator = enable_totp(user)
    client = session_client(user, fresh=False)

    response = client.post(REAUTH, {"password": PASSWORD, "token": authenticator.now()})

    assert response.status_code == 200
    assert client.post(DISABLE).status_code == 200


@pytest.mark.django_db
def test_with_2fa_a_backup_code_works_too(session_client, make_user, enable_totp, clock):
    user = make_user()
    enable_totp(user)
    codes = session_client(user).post("/api/users/@me/two_factor_backup_codes/").json()
    client = session_client(user, fresh=False)

    response = client.post(REAUTH, {"password": PASSWORD, "token": codes["backup_codes"][0]})

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_password_is_checked_before_the_code(session_client, make_user, enable_totp):
    user = make_user()
    authenticator = enable_totp(user)
    response = session_client(user).post(
        REAUTH, {"password": "wrong", "token": authenticator.now()}
    )
    assert response.json()["code"] == "incorrect_password"


@pytest.mark.django_db
def test_reauthentication_is_for_sessions(api_client, api_key_client):
    assert api_client.post(REAUTH, {"password": PASSWORD}).status_code == 401
    assert api_key_client("*").post(REAUTH, {"password": PASSWORD}).status_code == 403


@pytest.mark.django_db
def test_password_guesses_are_throttled(session_client, settings):
    client = session_client()
    for _ in range(10):
        assert client.post(REAUTH, {"password": "guess"}).status_code == 400
    response = client.post(REAUTH, {"password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_reauthentication_ages_like_a_login(session_client, make_user, clock, settings):
    client = session_client(make_user())
    client.post(REAUTH, {"password": PASSWORD})
    clock.shift(settings.SENSITIVE_ACTION_MAX_AGE + timedelta(seconds=1))
    assert client.post(DISABLE).status_code == 403


@pytest.mark.django_db
def test_a_password_hash_upgrade_keeps_the_session(session_client, make_user, settings):
    user = make_user()  # hashed with MD5 by the fast-hashing fixture
    client = session_client(user, fresh=False)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert client.post(REAUTH, {"password": PASSWORD}).status_code == 200

    user.refresh_from_db()
    assert user.password.startswith("scrypt$")
    assert client.post(DISABLE).status_code == 200
