"""Concurrent registrations of one token: never a 500, never a duplicate row (PostgreSQL)."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from pushtokens.models import PushToken

URL = "/api/users/@me/push_tokens/"
THREADS = 50


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "push_tokens": "1000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def run_at_once(calls: list[Callable[[], tuple[int, dict]]]) -> list[tuple[int, dict]]:
    """Start every call together; each thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, dict]] = []

    def run(call: Callable[[], tuple[int, dict]]) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def registration(key_value: str, platform: str = "ios") -> Callable[[], tuple[int, dict]]:
    def call() -> tuple[int, dict]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key_value}")
        response = client.post(URL, {"token": "shared", "platform": platform}, format="json")
        return response.status_code, response.json()

    return call


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_threads_registering_one_token_share_one_row(make_api_key, make_user):
    user = make_user()
    _, value = make_api_key("user:write", user=user)

    results = run_at_once([registration(value) for _ in range(THREADS)])

    assert len(results) == THREADS
    assert {status for status, _ in results} == {200}
    row = PushToken.objects.get()
    assert {body["id"] for _, body in results} == {str(row.id)}
    assert row.user == user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_users_racing_for_one_token_leave_one_row_owned_by_one_of_them(make_api_key, make_user):
    users = [make_user() for _ in range(10)]
    values = [make_api_key("user:write", user=user)[1] for user in users]

    results = run_at_once([registration(value, platform="android") for value in values * 2])

    assert {status for status, _ in results} == {200}
    row = PushToken.objects.get()
    assert {body["id"] for _, body in results} == {str(row.id)}
    assert row.user in users
