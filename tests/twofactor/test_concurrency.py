"""Parallel attempts on PostgreSQL: a code works once and a burst cannot exceed the budget."""

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import SecurityEvent
from twofactor.models import BackupCode, TOTPDevice

LOGIN_TOKEN = "/api/login/token/"
THREADS = 10

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post_in_parallel(clients: list[APIClient], tokens: list[str]) -> Counter:
    """POST each token from its own client in its own thread, all released at once."""
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def attempt(client: APIClient, token: str) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(LOGIN_TOKEN, {"token": token}).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(statuses) == len(clients)
    return Counter(statuses)


def test_one_backup_code_used_by_ten_threads_succeeds_exactly_once(
    make_user, enable_totp, session_client, password_step_client
):
    user = make_user()
    enable_totp(user)
    code = session_client(user).post("/api/users/@me/two_factor_backup_codes/").json()
    code = code["backup_codes"][0]
    clients = [password_step_client(user) for _ in range(THREADS)]

    statuses = post_in_parallel(clients, [code] * THREADS)

    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 401, 429}
    assert BackupCode.objects.filter(code_set__user=user, used_at__isnull=False).count() == 1


def test_one_totp_code_replayed_by_ten_threads_succeeds_at_most_once(
    make_user, enable_totp, password_step_client
):
    user = make_user()
    authenticator = enable_totp(user)
    clients = [password_step_client(user) for _ in range(THREADS)]

    statuses = post_in_parallel(clients, [authenticator.now()] * THREADS)

    assert statuses[200] <= 1, statuses
    assert set(statuses) <= {200, 401, 429}
    assert (
        SecurityEvent.objects.filter(user=user, type=SecurityEvent.Type.LOGIN_SUCCEEDED).count()
        <= 1
    )


def test_a_burst_of_guesses_gets_no_more_than_the_budget(
    make_user, enable_totp, password_step_client, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # without back-off, only the 6/20min budget holds
    user = make_user()
    authenticator = enable_totp(user)
    wrong = f"{(int(authenticator.now()) + 1) % 1_000_000:06d}"
    clients = [password_step_client(user) for _ in range(THREADS)]

    statuses = post_in_parallel(clients, [wrong] * THREADS)

    assert statuses == Counter({401: 6, 429: 4}), statuses
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 6


def test_a_burst_of_guesses_meets_the_back_off(make_user, enable_totp, password_step_client):
    user = make_user()
    authenticator = enable_totp(user)
    wrong = f"{(int(authenticator.now()) + 1) % 1_000_000:06d}"
    clients = [password_step_client(user) for _ in range(THREADS)]

    statuses = post_in_parallel(clients, [wrong] * THREADS)

    # The first guess is checked; the device row lock makes the others see its back-off.
    assert statuses == Counter({401: 1, 429: 9}), statuses
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 1
