"""A pending login does not survive a password change (issue 17 item 4), over HTTP.

``/api/login/`` remembers the password step with the user's session auth hash;
``/api/login/token/`` refuses the step once the hash changed, even with a current code.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an entirely new passphrase 93"


def test_a_password_change_ends_the_pending_login(make_user, enable_totp, session_client):
    user = make_user(email="owner@example.com")
    authenticator = enable_totp(user)
    attacker = APIClient()
    step = attacker.post("/api/login/", {"email": user.email, "password": PASSWORD})
    assert (step.status_code, step.json()["code"]) == (401, "2fa_required")

    changed = session_client(user).patch(
        "/api/users/@me/",
        {"password": NEW_PASSWORD, "current_password": PASSWORD},
        format="json",
    )
    assert changed.status_code == 200

    second = attacker.post("/api/login/token/", {"token": authenticator.now()})

    assert (second.status_code, second.json()["code"]) == (401, "2fa_expired")
    assert SESSION_KEY not in attacker.session
    assert attacker.get("/api/users/@me/").status_code in (401, 403)


def test_without_a_password_change_the_same_code_completes_it(make_user, enable_totp):
    user = make_user(email="owner2@example.com")
    authenticator = enable_totp(user)
    client = APIClient()
    client.post("/api/login/", {"email": user.email, "password": PASSWORD})

    second = client.post("/api/login/token/", {"token": authenticator.now()})

    assert second.status_code == 200
    assert client.get("/api/users/@me/").status_code == 200
