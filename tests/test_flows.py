"""End-to-end flows across apps, through the HTTP API only."""

import re
from datetime import timedelta

import pyotp
import time_machine
from django.utils import timezone

from accounts.models import User
from tests.conftest import PASSWORD

CODE = re.compile(r"\b(\d{6})\b")


def _code_in(message) -> str:
    match = CODE.search(message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_then_verify_the_address_with_the_emailed_code(
    db, api_client, mailoutbox, django_capture_on_commit_callbacks
):
    # ``db`` first: setting up the database resets ``mail.outbox``, which ``mailoutbox`` holds.
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/signup/",
            {"email": "New.Person@Example.com", "password": PASSWORD, "first_name": "New"},
        )
    assert response.status_code == 201
    assert response.json()["is_email_verified"] is False
    user = User.objects.get(email="new.person@example.com")
    (message,) = mailoutbox
    assert message.to == ["new.person@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/users/verify_email/", {"uuid": str(user.uuid), "code": _code_in(message)}
        )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.is_email_verified is True


def test_an_email_change_takes_effect_only_after_the_new_address_is_verified(
    make_user, session_client, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user(email="old@example.com")
    client = session_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch("/api/users/@me/", {"email": "New@Example.com"})
    assert response.status_code == 200
    assert response.json()["email"] == "old@example.com"
    assert response.json()["pending_email"] == "new@example.com"
    (message,) = [m for m in mailoutbox if m.to == ["new@example.com"]]

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/users/verify_email/", {"uuid": str(user.uuid), "code": _code_in(message)}
        )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("new@example.com", None)
    assert {tuple(m.to) for m in mailoutbox} >= {("old@example.com",), ("new@example.com",)}


def test_login_with_a_second_factor_set_up_over_the_api(make_user, session_client, api_client):
    user = make_user(email="totp@example.com")
    client = session_client(user)
    secret = client.get("/api/users/@me/two_factor_start_setup/").json()["secret"]
    totp = pyotp.TOTP(secret)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        response = client.post("/api/users/@me/two_factor_validate/", {"token": totp.now()})
    assert response.status_code == 200

    response = api_client.post("/api/login/", {"email": "totp@example.com", "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["code"] == "2fa_required"
    assert api_client.get("/api/users/@me/").status_code == 401

    later = now + timedelta(seconds=60)
    with time_machine.travel(later, tick=False):
        response = api_client.post("/api/login/token/", {"token": totp.at(later)})
    assert response.status_code == 200
    assert response.json()["is_2fa_enabled"] is True
    assert api_client.get("/api/users/@me/").status_code == 200


def test_a_profile_patch_cannot_forge_onboarding_or_verification_state(make_user, session_client):
    user = make_user(is_email_verified=False, with_team=True)
    client = session_client(user)
    response = client.patch(
        "/api/users/@me/",
        {
            "onboarding_skipped_reason": "delegated",
            "onboarding_skipped_at": "2020-01-01T00:00:00Z",
            "onboarding_delegation_accepted_at": "2020-01-01T00:00:00Z",
            "is_email_verified": True,
            "first_name": "Changed",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.first_name == "Changed"
    assert user.onboarding_skipped_reason is None
    assert user.onboarding_skipped_at is None
    assert user.onboarding_delegation_accepted_at is None
    assert user.is_email_verified is False
