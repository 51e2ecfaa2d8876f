"""The ``push_tokens`` throttle: per user, shared by both routes, open when the cache is down."""

import pytest

from pushtokens.throttling import PushTokenThrottle

REGISTER = "/api/users/@me/push_tokens/"
UNREGISTER = "/api/users/@me/push_tokens/unregister/"
BODY = {"token": "t", "platform": "ios"}


@pytest.fixture(autouse=True)
def _three_per_minute(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "push_tokens": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.mark.django_db
def test_too_many_registrations_are_throttled(api_key_client):
    client = api_key_client("user:write")
    for _ in range(3):
        assert client.post(REGISTER, BODY, format="json").status_code == 200

    response = client.post(REGISTER, BODY, format="json")

    assert response.status_code == 429
    assert (response.json()["type"], response.json()["code"]) == ("throttled_error", "throttled")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.mark.django_db
def test_both_routes_share_the_budget(api_key_client):
    client = api_key_client("user:write")
    for _ in range(3):
        client.post(UNREGISTER, {"token": "t"}, format="json")

    assert client.post(REGISTER, BODY, format="json").status_code == 429


@pytest.mark.django_db
def test_the_budget_is_per_user(api_key_client):
    busy = api_key_client("user:write")
    for _ in range(4):
        busy.post(REGISTER, BODY, format="json")

    response = api_key_client("user:write").post(REGISTER, BODY, format="json")

    assert response.status_code == 200


class _BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    set = get


@pytest.mark.django_db
def test_registration_works_when_the_cache_is_down(api_key_client, monkeypatch):
    monkeypatch.setattr(PushTokenThrottle, "cache", _BrokenCache())
    client = api_key_client("user:write")

    for _ in range(5):
        assert client.post(REGISTER, BODY, format="json").status_code == 200
