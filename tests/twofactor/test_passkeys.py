"""Passkeys as a second factor (docs/api.md §2.18): the WebAuthn ceremonies through the HTTP API,
with a software authenticator signing real authenticator data and client data."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import LoginSession, Passkey, SecurityEvent
from tests.conftest import PASSWORD
from tests.twofactor.soft_authenticator import SoftAuthenticator

PASSKEYS = "/api/users/@me/passkeys/"
BEGIN = PASSKEYS + "register/begin/"
COMPLETE = PASSKEYS + "register/complete/"
LOGIN_BEGIN = "/api/login/passkey/begin/"
LOGIN_COMPLETE = "/api/login/passkey/complete/"
STATUS = "/api/users/@me/two_factor_status/"
ME = "/api/users/@me/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine: Any) -> Any:
    time_machine.move_to(time.time(), tick=True)
    return time_machine


def register(client: APIClient, authenticator: SoftAuthenticator, name: str = "Laptop") -> dict:
    options = client.post(BEGIN).json()
    response = client.post(COMPLETE, {"credential": authenticator.create(options), "name": name})
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def passkey_user(make_user, session_client) -> tuple[Any, SoftAuthenticator]:
    """A user with one registered passkey, turned on as the second factor."""
    user = make_user()
    client = session_client(user)
    authenticator = SoftAuthenticator()
    register(client, authenticator)
    assert client.patch(ME, {"passkeys_enabled_for_2fa": True}).status_code == 200
    user.refresh_from_db()
    return user, authenticator


def password_step(user: Any) -> APIClient:
    client = APIClient()
    response = client.post("/api/login/", {"email": user.email, "password": PASSWORD})
    assert response.json()["code"] == "2fa_required"
    return client


# --- Registration -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # emails are queued on commit
def test_registering_a_passkey(make_user, session_client, queued_emails):
    user = make_user(first_name="Ada")
    client = session_client(user)

    options = client.post(BEGIN).json()
    assert options["rp"] == {"id": "localhost", "name": settings.WEBAUTHN_RP_NAME}
    assert options["user"]["name"] == user.email
    assert options["excludeCredentials"] == []
    authenticator = SoftAuthenticator()
    response = client.post(
        COMPLETE, {"credential": authenticator.create(options), "name": "Work laptop"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Work laptop"
    assert body["transports"] == ["internal"]
    assert set(body) == {"id", "name", "created_at", "last_used_at", "backed_up", "transports"}
    assert client.get(PASSKEYS).json()["results"] == [body]
    status = client.get(STATUS).json()
    assert status["has_passkeys"] is True
    assert status["is_enabled"] is False  # registered, not yet turned on for 2FA
    assert [email["template"] for email in queued_emails] == ["passkey_added"]
    # A second registration excludes the one already there.
    assert client.post(BEGIN).json()["excludeCredentials"][0]["id"] == body_credential(
        authenticator
    )


def body_credential(authenticator: SoftAuthenticator) -> str:
    from tests.twofactor.soft_authenticator import b64url

    return b64url(authenticator.credential_id)


def test_registration_needs_a_fresh_session_and_refuses_keys(
    make_user, session_client, api_key_client
):
    user = make_user()
    stale = session_client(user, fresh=False)
    for response in (stale.post(BEGIN), stale.post(COMPLETE, {"credential": {}})):
        assert response.status_code == 403
        assert response.json()["code"] == "sensitive_action_required_reauth"
    key = api_key_client("*", user=user)
    assert key.post(BEGIN).status_code == 403
    assert key.get(PASSKEYS).status_code == 403
    assert (
        session_client(user).post(f"/api/users/{user.uuid}/passkeys/register/begin/").json()["code"]
        == "permission_denied"
    )


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ({"origin": "https://evil.example"}, "passkey_invalid"),
        ({"challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "passkey_invalid"),
    ],
    ids=["wrong origin", "wrong challenge"],
)
def test_a_registration_that_does_not_verify_stores_nothing(
    make_user, session_client, tamper, code
):
    client = session_client(make_user())
    options = client.post(BEGIN).json()

    response = client.post(COMPLETE, {"credential": SoftAuthenticator().create(options, **tamper)})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == (code, "credential")
    assert not Passkey.objects.exists()


def test_a_registration_challenge_works_once_and_expires(make_user, session_client, clock):
    client = session_client(make_user())
    assert client.post(COMPLETE, {"credential": {}}).json()["code"] == "challenge_expired"

    options = client.post(BEGIN).json()
    credential = SoftAuthenticator().create(options)
    assert client.post(COMPLETE, {"credential": credential}).status_code == 201
    again = client.post(COMPLETE, {"credential": credential})
    assert (again.status_code, again.json()["code"]) == (400, "challenge_expired")

    options = client.post(BEGIN).json()
    clock.shift(settings.WEBAUTHN_CHALLENGE_TTL + timedelta(seconds=1))
    late = client.post(COMPLETE, {"credential": SoftAuthenticator().create(options)})
    assert late.json()["code"] == "challenge_expired"
    assert Passkey.objects.count() == 1


def test_a_challenge_is_bound_to_the_session_that_asked(make_user, session_client):
    user = make_user()
    asking, other = session_client(user), session_client(user)
    options = asking.post(BEGIN).json()

    response = other.post(COMPLETE, {"credential": SoftAuthenticator().create(options)})

    assert response.json()["code"] == "challenge_expired"
    assert not Passkey.objects.exists()


@pytest.mark.parametrize(
    "credential", [None, "text", [], {"id": "x"}, {"id": "%%%", "response": {"a": 1}}]
)
def test_malformed_credentials_are_a_400_not_a_500(make_user, session_client, credential):
    client = session_client(make_user())
    client.post(BEGIN)
    response = client.post(COMPLETE, {"credential": credential})
    assert response.status_code == 400
    assert response.json()["attr"] == "credential"


def test_the_same_passkey_cannot_be_registered_twice(make_user, session_client):
    client = session_client(make_user())
    authenticator = SoftAuthenticator()
    register(client, authenticator)
    options = client.post(BEGIN).json()
    response = client.post(COMPLETE, {"credential": authenticator.create(options)})
    assert response.json()["code"] == "passkey_already_registered"
    assert Passkey.objects.count() == 1


# --- List, rename, delete -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # emails are queued on commit
def test_rename_and_delete(make_user, session_client, queued_emails):
    user = make_user()
    client = session_client(user)
    passkey = register(client, SoftAuthenticator())
    url = f"{PASSKEYS}{passkey['id']}/"

    response = client.patch(url, {"name": "Phone"})
    assert (response.status_code, response.json()["name"]) == (200, "Phone")
    assert client.patch(url, {"name": ""}).json()["attr"] == "name"
    assert client.patch(url, {"name": "x" * 65}).json()["code"] == "max_length"

    assert client.delete(url).status_code == 204
    assert client.get(PASSKEYS).json()["count"] == 0
    assert client.delete(url).status_code == 404
    assert queued_emails[-1]["template"] == "passkey_removed"


def test_another_users_passkey_is_not_found(make_user, session_client):
    owner_client = session_client(make_user())
    passkey = register(owner_client, SoftAuthenticator())
    stranger = session_client(make_user())

    assert stranger.patch(f"{PASSKEYS}{passkey['id']}/", {"name": "mine"}).status_code == 404
    assert stranger.delete(f"{PASSKEYS}{passkey['id']}/").status_code == 404
    assert Passkey.objects.get().name == "Laptop"


def test_deleting_needs_a_fresh_session(make_user, session_client):
    user = make_user()
    passkey = register(session_client(user), SoftAuthenticator())
    response = session_client(user, fresh=False).delete(f"{PASSKEYS}{passkey['id']}/")
    assert response.json()["code"] == "sensitive_action_required_reauth"
    assert Passkey.objects.exists()


def test_deleting_the_last_passkey_turns_passkey_2fa_off(passkey_user, session_client):
    user, _ = passkey_user
    client = session_client(user)
    (passkey,) = client.get(PASSKEYS).json()["results"]

    assert client.delete(f"{PASSKEYS}{passkey['id']}/").status_code == 204

    user.refresh_from_db()
    assert user.passkeys_enabled_for_2fa is False
    assert client.get(STATUS).json()["is_enabled"] is False


# --- Turning passkeys on for 2FA ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # emails are queued on commit
def test_turning_passkeys_on_revokes_other_sessions_and_reports_the_method(
    make_user, session_client, queued_emails
):
    user = make_user()
    other = session_client(user)
    client = APIClient()
    client.post("/api/login/", {"email": user.email, "password": PASSWORD})
    register(client, SoftAuthenticator())

    response = client.patch(ME, {"passkeys_enabled_for_2fa": True})

    assert response.status_code == 200
    assert response.json()["passkeys_enabled_for_2fa"] is True
    assert response.json()["is_2fa_enabled"] is True
    assert other.get(ME).status_code == 401
    assert client.get(ME).status_code == 200
    assert client.get("/api/users/@me/login_sessions/").json()["count"] == 1
    assert client.get(STATUS).json() == {
        "is_enabled": True,
        "method": "passkey",
        "has_totp": False,
        "has_passkeys": True,
        "passkeys_enabled_for_2fa": True,
        "backup_codes_remaining": 0,
    }
    assert "passkeys_enabled" in [email["template"] for email in queued_emails]


def test_turning_passkeys_on_without_one_is_refused(make_user, session_client):
    response = session_client(make_user()).patch(ME, {"passkeys_enabled_for_2fa": True})
    assert (response.status_code, response.json()["code"]) == (400, "no_passkeys")


# --- Login second step --------------------------------------------------------------------------


def test_a_passkey_completes_the_login(passkey_user):
    user, authenticator = passkey_user
    client = password_step(user)

    options = client.post(LOGIN_BEGIN).json()
    assert [c["id"] for c in options["allowCredentials"]] == [body_credential(authenticator)]
    assert options["rpId"] == "localhost"
    response = client.post(LOGIN_COMPLETE, {"credential": authenticator.get(options)})

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert client.get(ME).status_code == 200
    rows = client.get("/api/users/@me/login_sessions/").json()["results"]
    assert rows[0]["login_method"] == "password+passkey"
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None


def _refused(client: APIClient, body: dict, code: str, user: Any, sign_count: int) -> None:
    sessions = LoginSession.objects.filter(user=user).count()
    response = client.post(LOGIN_COMPLETE, body)
    assert response.status_code == 401, response.json()
    assert response.json()["code"] == code
    assert client.get(ME).status_code == 401
    assert Passkey.objects.get(user=user).sign_count == sign_count
    assert LoginSession.objects.filter(user=user).count() == sessions


def test_a_replayed_assertion_is_refused(passkey_user):
    user, authenticator = passkey_user
    client = password_step(user)
    options = client.post(LOGIN_BEGIN).json()
    assertion = authenticator.get(options)

    # The same assertion twice in the session: the challenge is spent.
    attacker = password_step(user)
    attacker.post(LOGIN_BEGIN)
    _refused(attacker, {"credential": assertion}, "2fa_invalid", user, 0)
    assert client.post(LOGIN_COMPLETE, {"credential": assertion}).status_code == 200
    _refused(client_with_step(user), {"credential": assertion}, "2fa_expired", user, 1)
    # Replayed into a fresh ceremony: wrong challenge, and the counter did not move.
    replay = password_step(user)
    replay.post(LOGIN_BEGIN)
    _refused(replay, {"credential": assertion}, "2fa_invalid", user, 1)


def client_with_step(user: Any) -> APIClient:
    return password_step(user)


def test_an_assertion_for_another_origin_is_refused(passkey_user):
    user, authenticator = passkey_user
    client = password_step(user)
    options = client.post(LOGIN_BEGIN).json()
    body = {"credential": authenticator.get(options, origin="https://evil.example")}
    _refused(client, body, "2fa_invalid", user, 0)


def test_an_assertion_of_another_challenge_is_refused(passkey_user):
    user, authenticator = passkey_user
    client = password_step(user)
    client.post(LOGIN_BEGIN)
    body = {"credential": authenticator.get({}, challenge="c29tZS1vdGhlci1jaGFsbGVuZ2U")}
    _refused(client, body, "2fa_invalid", user, 0)


def test_a_cloned_authenticator_is_refused(passkey_user):
    user, authenticator = passkey_user
    client = password_step(user)
    options = client.post(LOGIN_BEGIN).json()
    authenticator.sign_count = 9  # the genuine one has been used
    assert (
        client.post(LOGIN_COMPLETE, {"credential": authenticator.get(options)}).status_code == 200
    )
    clone = password_step(user)
    options = clone.post(LOGIN_BEGIN).json()
    authenticator.sign_count = 3  # a copy of the key from before: its counter goes back

    _refused(clone, {"credential": authenticator.get(options)}, "2fa_invalid", user, 10)
    event = SecurityEvent.objects.filter(type=SecurityEvent.Type.PASSKEY_REFUSED).get()
    assert event.context == {"reason": "sign_count"}


def test_an_unknown_passkey_is_refused(passkey_user):
    user, _ = passkey_user
    client = password_step(user)
    options = client.post(LOGIN_BEGIN).json()
    _refused(client, {"credential": SoftAuthenticator().get(options)}, "2fa_invalid", user, 0)


def test_the_passkey_step_needs_the_password_step(passkey_user, make_user, session_client):
    user, authenticator = passkey_user
    anonymous = APIClient()
    assert anonymous.post(LOGIN_BEGIN).json()["code"] == "2fa_expired"
    response = anonymous.post(
        LOGIN_COMPLETE, {"credential": authenticator.get({}, challenge="bm8tY2VyZW1vbnk")}
    )
    assert response.json()["code"] == "2fa_expired"
    # A password step without a begun ceremony.
    assert (
        password_step(user)
        .post(LOGIN_COMPLETE, {"credential": authenticator.get({}, challenge="bm8tY2VyZW1vbnk")})
        .json()["code"]
        == "2fa_expired"
    )


def test_an_account_without_passkey_2fa_cannot_begin(make_user, session_client, enable_totp):
    user = make_user()
    enable_totp(user)
    client = password_step(user)
    response = client.post(LOGIN_BEGIN)
    assert (response.status_code, response.json()["code"]) == (400, "no_passkeys")


def test_failed_assertions_spend_the_second_factor_budget(passkey_user):
    user, authenticator = passkey_user
    statuses = []
    client = password_step(user)
    for _ in range(7):
        options = client.post(LOGIN_BEGIN).json()
        body = {"credential": authenticator.get(options, origin="https://evil.example")}
        statuses.append(client.post(LOGIN_COMPLETE, body).status_code)
    assert statuses == [401] * 6 + [429]


# --- Re-authentication and disabling ------------------------------------------------------------


def test_re_authentication_with_a_passkey(passkey_user, session_client):
    user, authenticator = passkey_user
    client = session_client(user, fresh=False)

    missing = client.post("/api/reauthenticate/", {"password": PASSWORD})
    assert (missing.json()["code"], missing.json()["attr"]) == ("2fa_required", "passkey")
    options = client.post("/api/reauthenticate/passkey/begin/").json()
    wrong = client.post(
        "/api/reauthenticate/",
        {"password": PASSWORD, "passkey": authenticator.get(options, origin="https://x.example")},
    )
    assert (wrong.json()["code"], wrong.json()["attr"]) == ("passkey_invalid", "passkey")
    options = client.post("/api/reauthenticate/passkey/begin/").json()
    response = client.post(
        "/api/reauthenticate/", {"password": PASSWORD, "passkey": authenticator.get(options)}
    )

    assert response.status_code == 200
    assert client.post(BEGIN).status_code == 200  # sensitive actions are open again


@pytest.mark.django_db(transaction=True)  # emails are queued on commit
def test_disabling_2fa_removes_second_factor_passkeys(passkey_user, session_client, queued_emails):
    user, _ = passkey_user
    assert (
        session_client(user, fresh=False).post("/api/users/@me/two_factor_disable/").json()["code"]
        == "sensitive_action_required_reauth"
    )
    assert Passkey.objects.filter(user=user).exists()

    client = session_client(user)
    response = client.post("/api/users/@me/two_factor_disable/")

    assert response.status_code == 200
    assert not Passkey.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.passkeys_enabled_for_2fa is False
    assert queued_emails[-1]["template"] == "two_factor_disabled"
    assert (
        APIClient().post("/api/login/", {"email": user.email, "password": PASSWORD}).status_code
        == 200
    )


def test_disabling_2fa_keeps_passkeys_not_used_as_second_factor(make_user, session_client):
    user = make_user()
    client = session_client(user)
    register(client, SoftAuthenticator())
    assert client.post("/api/users/@me/two_factor_disable/").status_code == 200
    assert Passkey.objects.filter(user=user).exists()
