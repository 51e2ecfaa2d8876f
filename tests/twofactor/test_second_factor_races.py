"""A second-factor attempt racing the writes that lock the user row, on PostgreSQL.

An attempt locks the TOTP device row, counts a failure and records a security event, whose
foreign key takes ``FOR KEY SHARE`` on the user row. Each race is forced (``tests/races.py``):
a transaction holds the device row, as an attempt in flight does, until the attempt and then the
writer queue behind it; each test says which serial order its outcome is.
"""

import pyotp
import pytest

from accounts.models import SecurityEvent, User
from tests.races import queued_behind
from twofactor import totp
from twofactor.models import BackupCodeSet, TOTPDevice

LOGIN_TOKEN = "/api/login/token/"
ME = "/api/users/@me/"
START_SETUP = "/api/users/@me/two_factor_start_setup/"
VALIDATE = "/api/users/@me/two_factor_validate/"
BACKUP_CODES = "/api/users/@me/two_factor_backup_codes/"
DISABLE = "/api/users/@me/two_factor_disable/"
FAILED = SecurityEvent.Type.SECOND_FACTOR_FAILED

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wrong_code(authenticator):
    return f"{(int(authenticator.now()) + 1) % 1_000_000:06d}"


def test_a_failed_attempt_then_a_disable(
    make_user, enable_totp, session_client, password_step_client
):
    user = make_user()
    authenticator = enable_totp(user)
    owner, attacker = session_client(user), password_step_client(user)

    refused, disabled = queued_behind(
        lambda: TOTPDevice.objects.select_for_update().get(user=user),
        lambda: attacker.post(LOGIN_TOKEN, {"token": wrong_code(authenticator)}),
        lambda: owner.post(DISABLE),
    )

    # As if one after the other: the attempt is checked and counted, then 2FA goes.
    assert refused.status_code == 401
    assert refused.json()["code"] == "2fa_invalid"
    assert disabled.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(user=user, type=FAILED).count() == 1
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.TWO_FACTOR_DISABLED
    ).exists()


def test_a_failed_attempt_then_a_re_enable(
    make_user, enable_totp, session_client, password_step_client
):
    user = make_user()
    authenticator = enable_totp(user)
    owner, attacker = session_client(user), password_step_client(user)
    secret = owner.get(START_SETUP).json()["secret"]

    refused, enabled = queued_behind(
        lambda: TOTPDevice.objects.select_for_update().get(user=user),
        lambda: attacker.post(LOGIN_TOKEN, {"token": wrong_code(authenticator)}),
        lambda: owner.post(VALIDATE, {"token": pyotp.TOTP(secret).now()}),
    )

    # The attempt is checked against the old device and counted, then the new one replaces it.
    assert refused.status_code == 401
    assert refused.json()["code"] == "2fa_invalid"
    assert enabled.status_code == 200, enabled.content
    assert totp.to_base32(TOTPDevice.objects.get(user=user).bin_key) == secret
    assert SecurityEvent.objects.filter(user=user, type=FAILED).count() == 1


def test_a_backup_code_login_then_a_disable(
    make_user, enable_totp, session_client, password_step_client
):
    user = make_user()
    enable_totp(user)
    owner = session_client(user)
    code = owner.post(BACKUP_CODES).json()["backup_codes"][0]
    second_step = password_step_client(user)

    logged_in, disabled = queued_behind(
        lambda: TOTPDevice.objects.select_for_update().get(user=user),
        lambda: second_step.post(LOGIN_TOKEN, {"token": code}),
        lambda: owner.post(DISABLE),
    )

    # The code is spent and the login succeeds, then 2FA and the remaining codes go.
    assert logged_in.status_code == 200, logged_in.content
    assert disabled.status_code == 200
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.BACKUP_CODE_USED
    ).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not BackupCodeSet.objects.filter(user=user).exists()


def test_a_failed_attempt_then_the_account_deleted(
    make_user, enable_totp, session_client, password_step_client
):
    user = make_user(with_team=True)
    authenticator = enable_totp(user)
    owner, attacker = session_client(user), password_step_client(user)

    refused, deleted = queued_behind(
        lambda: TOTPDevice.objects.select_for_update().get(user=user),
        lambda: attacker.post(LOGIN_TOKEN, {"token": wrong_code(authenticator)}),
        lambda: owner.delete(ME),
    )

    # The attempt is checked and recorded, then the account goes with its events.
    assert refused.status_code == 401
    assert refused.json()["code"] == "2fa_invalid"
    assert deleted.status_code == 204, deleted.content
    assert not User.objects.filter(pk=user.pk).exists()
    assert not SecurityEvent.objects.filter(user_id=user.pk).exists()
