"""Ending one login session racing the writes that end all of a user's sessions, on PostgreSQL.

Ending one deletes its row and records a security event, whose foreign key takes ``FOR KEY
SHARE`` on the user row; a password change, a reset, an email change, enabling 2FA and deleting
the account lock the user row and then delete every session row. Each race is forced
(``tests/races.py``): a transaction holds the ended session's row until the request ending it and
then the writer queue behind it; each test says which serial order its outcome is.
"""

import pyotp
import pytest
from django.contrib.auth.tokens import default_token_generator
from rest_framework.test import APIClient

from accounts.models import LoginSession, SecurityEvent, User
from accounts.services import email_verification
from tests.accounts.email_support import VERIFY_URL
from tests.conftest import PASSWORD
from tests.races import held, in_thread, wait_for_lock_waiters

ME = "/api/users/@me/"
SESSIONS = "/api/users/@me/login_sessions/"
NEW_PASSWORD = "a brand new passphrase 99"
ENDED = SecurityEvent.Type.LOGIN_SESSION_ENDED

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def login(user):
    client = APIClient()
    response = client.post("/api/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return client


def race(user, write):
    """End the newest session of ``user`` from another one, then ``write`` while it waits."""
    owner = login(user)
    ended = login(user)
    row = LoginSession.objects.filter(user=user).latest("created_at")

    with held(lambda: LoginSession.objects.select_for_update().get(pk=row.pk)):
        end = in_thread(lambda: owner.delete(f"{SESSIONS}{row.pk}/"))
        wait_for_lock_waiters(1)
        written = in_thread(write)
        wait_for_lock_waiters(2)
    assert end().status_code == 204
    assert SecurityEvent.objects.filter(user=user, type=ENDED).count() == 1
    assert ended.get(ME).status_code == 401
    return written()


def test_ending_a_session_then_a_password_change(make_user):
    user = make_user()
    changer = login(user)
    body = {"password": NEW_PASSWORD, "current_password": PASSWORD}

    changed = race(user, lambda: changer.patch(ME, body, format="json"))

    # The session ends, then the password changes and ends the rest (the changer's stays).
    assert changed.status_code == 200, changed.content
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert LoginSession.objects.filter(user=user).count() == 1


def test_ending_a_session_then_a_password_reset(make_user):
    user = make_user()

    def reset_password():
        # A token made now: the logins in ``race`` changed ``last_login``, which it covers.
        token = default_token_generator.make_token(User.objects.get(pk=user.pk))
        body = {"token": token, "password": NEW_PASSWORD}
        return APIClient().post(f"/api/reset/{user.uuid}/", body, format="json")

    reset = race(user, reset_password)

    # The session ends, then the reset sets the password and ends every other session.
    assert reset.status_code == 200, reset.content
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert not LoginSession.objects.filter(user=user).exists()


def test_ending_a_session_then_an_email_change_confirmed(make_user, queued_emails):
    user = make_user(email="old@example.com")
    email_verification.request_email_change(user=user, new_email="new@example.com")
    body = {"uuid": str(user.uuid), "code": queued_emails[-1]["context"]["code"]}

    verified = race(user, lambda: APIClient().post(VERIFY_URL, body, format="json"))

    # The session ends, then the new address is confirmed and the other sessions end.
    assert verified.status_code == 200, verified.content
    assert User.objects.get(pk=user.pk).email == "new@example.com"
    assert not LoginSession.objects.filter(user=user).exists()


def test_ending_a_session_then_two_factor_enabled(make_user):
    user = make_user()
    enabler = login(user)
    secret = enabler.get(f"{ME}two_factor_start_setup/").json()["secret"]
    body = {"token": pyotp.TOTP(secret).now()}

    enabled = race(user, lambda: enabler.post(f"{ME}two_factor_validate/", body))

    # The session ends, then 2FA is on and every session but the enabler's ends.
    assert enabled.status_code == 200, enabled.content
    assert LoginSession.objects.filter(user=user).count() == 1


def test_ending_a_session_then_the_account_deleted(make_user):
    user = make_user(with_team=True)
    deleter = login(user)

    deleted = race(user, lambda: deleter.delete(ME))

    # The session ends (and is recorded), then the account goes with its sessions and events.
    assert deleted.status_code == 204, deleted.content
    assert not User.objects.filter(pk=user.pk).exists()
    assert not LoginSession.objects.filter(user_id=user.pk).exists()
