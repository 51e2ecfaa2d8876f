"""Backup-code regeneration racing other two-factor writes of the same user, on PostgreSQL.

Each race is forced (``tests/races.py``): a transaction on another connection holds what the
regeneration (or a second writer) needs until the others queue behind it.
"""

from collections.abc import Callable
from typing import Any

import pyotp
import pytest

from accounts.models import SecurityEvent, User
from outbox.models import OutboxEmail
from tests.races import held, in_thread, wait_for_lock_waiters
from twofactor import totp
from twofactor.models import BackupCode, BackupCodeSet, TOTPDevice
from twofactor.services import setup

BACKUP_CODES = "/api/users/@me/two_factor_backup_codes/"
REGENERATED = SecurityEvent.Type.BACKUP_CODES_REGENERATED

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post(client: Any) -> Callable[[], Any]:
    return in_thread(lambda: client.post(BACKUP_CODES))


def stored_digests(user: Any) -> set[str]:
    return set(BackupCode.objects.filter(code_set__user=user).values_list("digest", flat=True))


def test_two_regenerations_at_once_leave_one_set_of_ten_codes(
    make_user, enable_totp, session_client
):
    user = make_user()
    enable_totp(user)
    first, second = session_client(user), session_client(user)

    # Another writer holds the user row: both regenerations queue behind it, then behind each
    # other.
    with held(lambda: User.objects.select_for_update().get(pk=user.pk)):
        answers = [post(first), post(second)]
        wait_for_lock_waiters(2)
    responses = [answer() for answer in answers]

    assert [response.status_code for response in responses] == [200, 200]
    code_set = BackupCodeSet.objects.get(user=user)
    assert code_set.codes.unused().count() == 10
    sets = [
        {code_set.digest(code) for code in response.json()["backup_codes"]}
        for response in responses
    ]
    assert stored_digests(user) in sets
    assert SecurityEvent.objects.filter(user=user, type=REGENERATED).count() == 2
    assert OutboxEmail.objects.filter(to=user.email, template=REGENERATED).count() == 2


def test_a_regeneration_behind_a_disable_answers_2fa_not_enabled(
    make_user, enable_totp, session_client
):
    user = make_user()
    enable_totp(user)
    client = session_client(user)

    with held(lambda: setup.disable_two_factor(user=user)):
        answer = post(client)  # its check before hashing still sees the device
        wait_for_lock_waiters(1)
    response = answer()

    assert response.status_code == 400
    assert response.json()["code"] == "2fa_not_enabled"
    assert not BackupCodeSet.objects.filter(user=user).exists()
    assert not SecurityEvent.objects.filter(user=user, type=REGENERATED).exists()
    assert not OutboxEmail.objects.filter(to=user.email, template=REGENERATED).exists()


def test_a_regeneration_behind_a_re_enable_writes_the_codes(make_user, enable_totp, session_client):
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    secret = totp.new_secret()
    code = pyotp.TOTP(totp.to_base32(secret)).now()

    # Enabling again replaces the device row: the lock's first look finds it deleted.
    with held(lambda: setup.confirm_totp_setup(user=user, secret=secret, code=code)):
        answer = post(client)
        wait_for_lock_waiters(1)
    response = answer()

    assert response.status_code == 200, response.content
    assert TOTPDevice.objects.get(user=user).bin_key == secret
    assert BackupCodeSet.objects.get(user=user).codes.unused().count() == 10


def test_a_disable_arriving_during_a_regeneration_waits_for_it(
    make_user, enable_totp, session_client
):
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    assert client.post(BACKUP_CODES).status_code == 200

    # Holding the code set stops the regeneration after its lock, inside its transaction.
    with held(lambda: BackupCodeSet.objects.select_for_update().get(user=user)):
        answer = post(client)
        wait_for_lock_waiters(1)
        disabled = in_thread(lambda: setup.disable_two_factor(user=user))
        wait_for_lock_waiters(2)
    response = answer()

    assert response.status_code == 200, response.content
    assert disabled() is True
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not BackupCodeSet.objects.filter(user=user).exists()


def test_a_regeneration_behind_a_second_factor_attempt_waits_for_it(
    make_user, enable_totp, session_client
):
    user = make_user()
    enable_totp(user)
    client = session_client(user)

    def attempt() -> None:  # what a wrong code does: the device row locked, an event recorded
        TOTPDevice.objects.select_for_update().get(user=user)
        SecurityEvent.objects.create(user=user, type=SecurityEvent.Type.SECOND_FACTOR_FAILED)

    with held(attempt):
        answer = post(client)
        wait_for_lock_waiters(1)
    response = answer()

    assert response.status_code == 200, response.content
    assert BackupCodeSet.objects.get(user=user).codes.unused().count() == 10
