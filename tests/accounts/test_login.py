"""POST /api/login/ and POST /api/logout/ (docs/api.md §2.14)."""

import time

import pytest
from rest_framework.test import APIClient

from accounts import login_flow
from accounts import throttling as login_throttles
from accounts.hashers import Argon2idPasswordHasher
from accounts.models import SecurityEvent
from tests.conftest import PASSWORD
from users_api import settings as production_settings

URL = "/api/login/"
# What production hashes with: the settings module's own list (the suite-wide fixture swaps in
# MD5 for speed).
REAL_HASHERS = production_settings.PASSWORD_HASHERS


def set_rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


class _BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    set = get


def test_login_creates_a_session_and_answers_with_the_user(api_client, make_user):
    user = make_user(email="ada@example.com", with_team=True)

    response = api_client.post(
        URL, {"email": "  Ada@Example.COM ", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )

    assert response.status_code == 200
    data = response.json()
    assert data["uuid"] == str(user.uuid)
    assert data["organization"]["membership_level"] == 15
    assert data["sensitive_session_expires_at"] is not None
    assert data["fresh_reauth_expires_at"] is not None
    assert response.cookies["sessionid"].value
    assert response.cookies["csrftoken"].value
    assert api_client.get("/api/personal_api_keys/").status_code == 200
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.LOGIN_SUCCEEDED)
    assert (event.user, event.ip) == (user, "10.1.2.3")


def test_login_starts_a_new_session_key(api_client, make_user):
    make_user(email="ada@example.com")
    api_client.post(URL, {"email": "nobody@example.com", "password": "x"})
    anonymous_key = api_client.session.session_key

    api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD})

    assert api_client.session.session_key != anonymous_key


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(api_client, make_user):
    user = make_user(email="ada@example.com")

    wrong = api_client.post(URL, {"email": "ada@example.com", "password": "wrong password"})
    unknown = api_client.post(URL, {"email": "nobody@example.com", "password": "wrong password"})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["type"] == "authentication_error"
    assert wrong.json()["code"] == "invalid_credentials"
    assert wrong["WWW-Authenticate"]
    assert api_client.get("/api/personal_api_keys/").status_code == 401
    failed = SecurityEvent.objects.filter(type=SecurityEvent.Type.LOGIN_FAILED).order_by("id")
    assert [event.user for event in failed] == [user, None]
    # The typed text is never stored: people type passwords into the email field.
    assert all("nobody" not in str(event.context) for event in failed)


def test_an_inactive_user_cannot_log_in(api_client, make_user):
    make_user(email="ada@example.com", is_active=False)

    response = api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_a_user_without_a_password_cannot_log_in(api_client, make_user):
    make_user(email="ada@example.com", password=None)

    response = api_client.post(URL, {"email": "ada@example.com", "password": "anything at all"})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


@pytest.fixture
def real_hasher(settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS


@pytest.fixture
def hasher_runs(real_hasher, monkeypatch):
    """Count Argon2id computations (the expensive part of a password check): hashing a new
    password and verifying one both run it once."""
    runs = []
    for method in ("encode", "verify"):
        original = getattr(Argon2idPasswordHasher, method)

        def counting(self, *args, _original=original, **kwargs):
            runs.append(1)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Argon2idPasswordHasher, method, counting)
    return runs


@pytest.mark.parametrize(
    "case", ["wrong_password", "unknown_email", "inactive_user", "unusable_password"]
)
def test_every_failure_runs_the_password_hasher_once(api_client, make_user, hasher_runs, case):
    make_user(email="ada@example.com")
    make_user(email="gone@example.com", is_active=False)
    make_user(email="nopassword@example.com", password=None)
    hasher_runs.clear()
    email, password = {
        "wrong_password": ("ada@example.com", "wrong password"),
        "unknown_email": ("nobody@example.com", "wrong password"),
        "inactive_user": ("gone@example.com", PASSWORD),
        "unusable_password": ("nopassword@example.com", "wrong password"),
    }[case]

    response = api_client.post(URL, {"email": email, "password": password})

    assert response.status_code == 401
    assert len(hasher_runs) == 1


def test_unknown_email_and_wrong_password_take_similar_time(real_hasher, make_user):
    make_user(email="ada@example.com")

    def fastest(email):
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            response = APIClient().post(URL, {"email": email, "password": "wrong password"})
            timings.append(time.perf_counter() - start)
            assert response.status_code == 401
        return min(timings)

    known, unknown = fastest("ada@example.com"), fastest("nobody@example.com")

    assert 0.5 < unknown / known < 2, (known, unknown)


def test_a_user_with_two_factor_gets_2fa_required_and_no_session(
    api_client, make_user, monkeypatch
):
    user = make_user(email="ada@example.com")
    # The TOTP device model arrives with the two-factor app; the login only asks django-otp.
    monkeypatch.setattr(login_flow, "user_has_device", lambda u, confirmed=True: u.pk == user.pk)

    response = api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["code"] == "2fa_required"
    assert response["WWW-Authenticate"]
    assert api_client.session[login_flow.PASSWORD_STEP_KEY]["user_id"] == user.pk
    assert "_auth_user_id" not in api_client.session
    assert api_client.get("/api/personal_api_keys/").status_code == 401
    assert not SecurityEvent.objects.filter(type=SecurityEvent.Type.LOGIN_SUCCEEDED).exists()


def test_a_wrong_password_does_not_remember_a_password_step(api_client, make_user, monkeypatch):
    make_user(email="ada@example.com")
    monkeypatch.setattr(login_flow, "user_has_device", lambda u, confirmed=True: True)

    response = api_client.post(URL, {"email": "ada@example.com", "password": "wrong password"})

    assert response.json()["code"] == "invalid_credentials"
    assert login_flow.PASSWORD_STEP_KEY not in api_client.session


def test_login_is_throttled_per_email_however_it_is_spelled(api_client, make_user, settings):
    set_rates(settings, login_email="3/min", login_ip="100/min")
    make_user(email="ada@example.com")
    for spelling in ["ada@example.com", "ADA@example.com", " Ada@Example.com "]:
        assert api_client.post(URL, {"email": spelling, "password": "x"}).status_code == 401

    throttled = api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD})
    other = api_client.post(URL, {"email": "bob@example.com", "password": "x"})

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert other.status_code == 401


def test_login_is_throttled_per_ip(make_user, settings):
    set_rates(settings, login_email="100/min", login_ip="3/min")
    for n in range(3):
        response = APIClient().post(URL, {"email": f"u{n}@example.com", "password": "x"})
        assert response.status_code == 401

    same_ip = APIClient().post(URL, {"email": "u9@example.com", "password": "x"})
    other_ip = APIClient(REMOTE_ADDR="10.9.9.9").post(
        URL, {"email": "u9@example.com", "password": "x"}
    )

    assert same_ip.status_code == 429
    assert other_ip.status_code == 401


@pytest.mark.parametrize("throttle", ["LoginEmailThrottle", "LoginIPThrottle"])
def test_login_throttles_fail_closed_when_the_cache_is_down(
    api_client, make_user, monkeypatch, throttle
):
    make_user(email="ada@example.com")
    monkeypatch.setattr(getattr(login_throttles, throttle), "cache", _BrokenCache())

    response = api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "_auth_user_id" not in api_client.session


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({"password": PASSWORD}, "email", "required"),
        ({"email": "ada@example.com"}, "password", "required"),
        ({"email": None, "password": PASSWORD}, "email", "null"),
        ({"email": "ada@example.com", "password": ""}, "password", "blank"),
        ({"email": ["ada@example.com"], "password": PASSWORD}, "email", "invalid_input"),
        ({"email": "a" * 300, "password": PASSWORD}, "email", "max_length"),
        ({"email": "ada@example.com", "password": "p" * 5000}, "password", "max_length"),
    ],
)
def test_bad_input_is_a_400(api_client, db, payload, attr, code):
    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == (attr, code)


@pytest.mark.parametrize("raw", [b"[]", b'"ada@example.com"', b"42", b"{oops"])
def test_a_body_that_is_not_an_object_is_a_400(api_client, db, raw):
    response = api_client.generic("POST", URL, raw, content_type="application/json")

    assert response.status_code == 400


def test_an_api_key_cannot_log_in(api_key_client, make_user):
    make_user(email="ada@example.com")

    response = api_key_client("*").post(URL, {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_logout_ends_the_session(api_client, make_user):
    make_user(email="ada@example.com")
    api_client.post(URL, {"email": "ada@example.com", "password": PASSWORD})

    response = api_client.post("/api/logout/")

    assert response.status_code == 204
    assert api_client.get("/api/personal_api_keys/").status_code == 401


def test_logout_without_a_session_is_a_no_op(api_client, db):
    assert api_client.post("/api/logout/").status_code == 204


def test_an_api_key_cannot_log_out(api_key_client):
    response = api_key_client("*").post("/api/logout/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_logout_only_ends_its_own_session(make_user):
    make_user(email="ada@example.com")
    laptop, phone = APIClient(), APIClient()
    for client in (laptop, phone):
        client.post(URL, {"email": "ada@example.com", "password": PASSWORD})

    laptop.post("/api/logout/")

    assert laptop.get("/api/personal_api_keys/").status_code == 401
    assert phone.get("/api/personal_api_keys/").status_code == 200


def test_a_lone_surrogate_in_the_email_is_a_400_not_a_cache_outage(api_client, db):
    # The email throttle hashes the address; "\ud800" has no UTF-8 form, and the throttle's
    # cache-failure handler used to turn that into a 503.
    raw = '{"email": "\\ud800@example.com", "password": "x"}'
    response = api_client.post(URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == (
        "surrogate_characters_not_allowed",
        "email",
    )


@pytest.mark.parametrize("forwarded", ["garbage", "203.0.113.7, 198.51.100.1", "x" * 300])
def test_a_failed_login_with_any_x_forwarded_for_is_a_401(api_client, make_user, forwarded):
    # The security event stores an IP; a client-written X-Forwarded-For is not always one.
    make_user(email="ada@example.com")

    response = api_client.post(
        URL,
        {"email": "ada@example.com", "password": "wrong"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR=forwarded,
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.LOGIN_FAILED)
    assert event.ip == "10.1.2.3"


def test_a_client_cannot_escape_the_ip_throttle_with_x_forwarded_for(make_user, settings):
    set_rates(settings, login_email="100/min", login_ip="3/min")
    for n in range(3):
        response = APIClient(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").post(
            URL, {"email": f"u{n}@example.com", "password": "x"}
        )
        assert response.status_code == 401

    spoofed = APIClient(HTTP_X_FORWARDED_FOR="203.0.113.99").post(
        URL, {"email": "u9@example.com", "password": "x"}
    )

    assert spoofed.status_code == 429


def test_behind_a_proxy_the_address_it_appended_is_the_client(make_user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    make_user(email="ada@example.com")

    APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7").post(
        URL, {"email": "ada@example.com", "password": "wrong"}
    )

    assert SecurityEvent.objects.get(type=SecurityEvent.Type.LOGIN_FAILED).ip == "203.0.113.7"
