"""POST /api/users/verify_email/ (docs/api.md §2.12): codes, attempts, login."""

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import EmailVerificationCode, User
from accounts.services import email_verification
from tests.accounts.email_support import REQUEST_URL, VERIFY_URL, code_in

# An address nobody has: fixed, so the test ids are the same on every run (pytest-xdist).
UNKNOWN_UUID = "5b0c1a7e-3f1d-4c2a-9e8b-0d4f6a2c9e71"


@pytest.fixture
def unverified(make_user):
    return make_user(email="ada@example.com", is_email_verified=False)


@pytest.fixture
def issue_code(api_client, django_capture_on_commit_callbacks, mailoutbox):
    """Request a code over HTTP and return it, read from the email."""

    def issue(user: User) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(REQUEST_URL, {"uuid": str(user.uuid)}, format="json")
        assert response.status_code == 200
        return code_in(mailoutbox[-1])

    return issue


def verify(client, user_or_uuid, code):
    value = user_or_uuid if isinstance(user_or_uuid, str) else str(user_or_uuid.uuid)
    return client.post(VERIFY_URL, {"uuid": value, "code": code}, format="json")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def assert_code_error(response, code):
    assert response.status_code == 400, response.json()
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == "code"
    assert response.json()["code"] == code


@pytest.mark.django_db
class TestVerifying:
    def test_the_right_code_verifies_and_logs_in(self, unverified, issue_code, api_client):
        code = issue_code(unverified)

        response = verify(api_client, unverified, code)

        assert response.status_code == 200
        assert response.json() == {"success": True}
        assert "sessionid" in response.cookies
        assert "csrftoken" in response.cookies
        unverified.refresh_from_db()
        assert unverified.is_email_verified
        assert not EmailVerificationCode.objects.filter(user=unverified).exists()
        # A real session, but an emailed code proves no password: it is not fresh.
        me = api_client.get("/api/users/@me/")
        assert me.status_code == 200
        assert me.json()["sensitive_session_expires_at"] is None
        # It may edit the profile at once; what protects the account needs the password.
        edit = api_client.patch("/api/users/@me/", {"first_name": "Ada", "theme_mode": "dark"})
        assert edit.status_code == 200, edit.json()
        sensitive = api_client.patch("/api/users/@me/", {"allow_impersonation": False})
        assert sensitive.status_code == 403
        assert sensitive.json()["code"] == "sensitive_action_required_reauth"

    def test_a_code_works_once(self, unverified, issue_code):
        code = issue_code(unverified)
        assert verify(APIClient(), unverified, code).status_code == 200

        replay = verify(APIClient(), unverified, code)

        # Now verified with nothing pending: refused, and no session.
        assert replay.status_code == 400
        assert replay.json()["code"] == "already_verified"
        assert "sessionid" not in replay.cookies

    def test_a_verified_user_with_nothing_pending_is_a_400_without_a_code_check(
        self, make_user, api_client
    ):
        user = make_user(is_email_verified=True)

        response = verify(api_client, user, "000000")

        assert response.status_code == 400
        assert (response.json()["type"], response.json()["code"], response.json()["attr"]) == (
            "validation_error",
            "already_verified",
            None,
        )
        assert "sessionid" not in response.cookies

    def test_at_me_with_a_session_names_the_caller(self, unverified, issue_code, session_client):
        code = issue_code(unverified)
        client = session_client(unverified)

        response = client.post(VERIFY_URL, {"uuid": "@me", "code": code}, format="json")

        assert response.status_code == 200, response.json()
        unverified.refresh_from_db()
        assert unverified.is_email_verified
        assert client.get("/api/users/@me/").json()["is_email_verified"] is True

    def test_at_me_without_a_session_is_a_400_that_spends_no_attempt(
        self, unverified, issue_code, api_client
    ):
        code = issue_code(unverified)

        response = api_client.post(VERIFY_URL, {"uuid": "@me", "code": code}, format="json")

        assert response.status_code == 400
        assert (response.json()["code"], response.json()["attr"]) == ("session_required", "uuid")
        assert EmailVerificationCode.objects.get(user=unverified).attempts == 0
        assert verify(api_client, unverified, code).status_code == 200

    def test_at_me_requests_a_code_for_the_caller(
        self, unverified, session_client, django_capture_on_commit_callbacks, mailoutbox
    ):
        client = session_client(unverified)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(REQUEST_URL, {"uuid": "@me"}, format="json")

        assert response.status_code == 200
        assert mailoutbox[-1].to == [unverified.email]
        code = code_in(mailoutbox[-1])
        assert client.post(VERIFY_URL, {"uuid": "@me", "code": code}).status_code == 200

    def test_a_user_with_two_factor_is_verified_but_gets_no_session(
        self, unverified, issue_code, api_client, monkeypatch
    ):
        # The TOTP device model arrives with the two-factor app; the view asks django-otp.
        monkeypatch.setattr(
            "accounts.login_flow.user_has_device",
            lambda user, confirmed=True: confirmed,
        )
        code = issue_code(unverified)

        response = verify(api_client, unverified, code)

        assert response.status_code == 200
        assert response.json() == {"success": True, "requires_2fa": True}
        assert "sessionid" not in response.cookies
        unverified.refresh_from_db()
        assert unverified.is_email_verified

    @pytest.mark.parametrize(
        "spelling",
        [
            "{code}",
            " {a} {b} ",
            "{a}-{b}",
            "{a}\u200b{b}",
            "{fullwidth}",
        ],
    )
    def test_pasted_spellings_of_the_code_are_accepted(
        self, spelling, unverified, issue_code, api_client
    ):
        code = issue_code(unverified)
        fullwidth = "".join(chr(0xFF10 + int(d)) for d in code)
        pasted = spelling.format(code=code, a=code[:3], b=code[3:], fullwidth=fullwidth)

        assert verify(api_client, unverified, pasted).status_code == 200

    def test_the_code_may_be_sent_as_a_number(self, unverified, issue_code, api_client):
        code = issue_code(unverified)
        if code.startswith("0"):
            pytest.skip("a number cannot carry a leading zero")

        response = api_client.post(
            VERIFY_URL, {"uuid": str(unverified.uuid), "code": int(code)}, format="json"
        )

        assert response.status_code == 200


@pytest.mark.django_db
class TestRefusals:
    @pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "x" * 10_000, "¹²³⁴⁵⁶"])
    def test_a_code_that_is_not_six_digits_is_invalid_input_and_spends_nothing(
        self, code, unverified, issue_code, api_client
    ):
        issue_code(unverified)

        assert_code_error(verify(api_client, unverified, code), "invalid_input")
        assert EmailVerificationCode.objects.get(user=unverified).attempts == 0

    def test_invalid_input_comes_before_the_replay_shortcut(self, make_user, api_client):
        user = make_user(is_email_verified=True)

        assert_code_error(verify(api_client, user, "abc"), "invalid_input")

    def test_a_wrong_code_is_invalid_and_spends_an_attempt(
        self, unverified, issue_code, api_client
    ):
        code = issue_code(unverified)

        assert_code_error(verify(api_client, unverified, wrong(code)), "invalid_code")
        assert EmailVerificationCode.objects.get(user=unverified).attempts == 1
        unverified.refresh_from_db()
        assert not unverified.is_email_verified
        assert "sessionid" not in api_client.cookies

    @pytest.mark.parametrize("value", [UNKNOWN_UUID, "not-a-uuid", "12345"])
    def test_unknown_or_malformed_uuids_are_answered_like_a_wrong_code(self, value, api_client):
        assert_code_error(verify(api_client, value, "123456"), "invalid_code")

    def test_an_inactive_user_is_answered_like_a_wrong_code(
        self, unverified, issue_code, api_client
    ):
        code = issue_code(unverified)
        User.objects.filter(pk=unverified.pk).update(is_active=False)

        assert_code_error(verify(api_client, unverified, code), "invalid_code")

    def test_a_user_without_a_code_gets_invalid_code(self, unverified, api_client):
        assert_code_error(verify(api_client, unverified, "123456"), "invalid_code")

    def test_a_code_expires_after_ten_minutes(self, unverified, issue_code):
        code = issue_code(unverified)
        with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
            assert_code_error(verify(APIClient(), unverified, code), "invalid_code")
        with time_machine.travel(timezone.now() + timedelta(minutes=9, seconds=50)):
            assert verify(APIClient(), unverified, code).status_code == 200

    def test_a_superseded_code_is_invalid(self, unverified, issue_code, api_client):
        first = issue_code(unverified)
        second = issue_code(unverified)
        if first == second:
            pytest.skip("the CSPRNG drew the same code twice")

        assert_code_error(verify(api_client, unverified, first), "invalid_code")
        assert verify(api_client, unverified, second).status_code == 200

    def test_the_code_is_bound_to_its_target_address(self, unverified, issue_code, api_client):
        code = issue_code(unverified)  # sent to the account email
        User.objects.filter(pk=unverified.pk).update(pending_email="elsewhere@example.com")

        assert_code_error(verify(api_client, unverified, code), "invalid_code")
        unverified.refresh_from_db()
        assert unverified.email == "ada@example.com"

    def test_the_code_is_bound_to_its_user(self, unverified, make_user, issue_code, api_client):
        code = issue_code(unverified)
        other = make_user(is_email_verified=False)
        row = EmailVerificationCode.objects.get(user=unverified)
        # Even a copied row (same digest, same address) does not verify for another user.
        EmailVerificationCode.objects.create(
            user=other,
            target_email=other.email,
            code_digest=row.code_digest,
            expires_at=row.expires_at,
        )

        assert_code_error(verify(api_client, other, code), "invalid_code")


@pytest.mark.django_db
class TestAttemptBudget:
    def test_the_sixth_attempt_is_refused_and_the_code_is_kept(
        self, unverified, issue_code, api_client
    ):
        code = issue_code(unverified)
        for _ in range(5):
            assert_code_error(verify(api_client, unverified, wrong(code)), "invalid_code")

        # Even the right code is refused now: otherwise guessing could go on.
        assert_code_error(verify(api_client, unverified, code), "too_many_attempts")
        row = EmailVerificationCode.objects.get(user=unverified)
        assert row.attempts == 5
        unverified.refresh_from_db()
        assert not unverified.is_email_verified

    def test_a_new_code_resets_the_attempts(self, unverified, issue_code, api_client, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "verify_email_user": "100/min",
            },
        }
        code = issue_code(unverified)
        for _ in range(6):
            verify(api_client, unverified, wrong(code))

        new_code = issue_code(unverified)

        assert EmailVerificationCode.objects.get(user=unverified).attempts == 0
        assert verify(api_client, unverified, new_code).status_code == 200

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_ten_parallel_wrong_guesses_cannot_exceed_the_budget(self, make_user, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "verify_email_user": "1000/min",
                "verify_email_ip": "1000/min",
            },
        }
        user = make_user(is_email_verified=False)
        email_verification.send_verification_code(user=user)  # autocommit: sent at once
        guess = "000000"
        if EmailVerificationCode.objects.get(user=user).code_digest == _digest(user, guess):
            guess = "000001"
        barrier = threading.Barrier(10)
        results: list[str] = []

        def attempt() -> None:
            try:
                client = APIClient()
                barrier.wait(timeout=10)
                response = verify(client, user, guess)
                results.append(response.json()["code"])
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert Counter(results) == {"invalid_code": 5, "too_many_attempts": 5}
        assert EmailVerificationCode.objects.get(user=user).attempts == 5


def _digest(user: User, code: str) -> str:
    from accounts import email_codes

    return email_codes.digest(user_id=user.pk, target_email=user.email, code=code)


@pytest.mark.django_db
class TestThrottles:
    def test_verification_is_throttled_per_target_user(
        self, unverified, issue_code, make_user, api_client
    ):
        code = issue_code(unverified)
        responses = [verify(api_client, unverified, wrong(code)) for _ in range(7)]

        assert [r.status_code for r in responses] == [400] * 6 + [429]
        assert responses[-1].json()["code"] == "throttled"
        assert "Retry-After" in responses[-1]
        # Another spelling of the same uuid shares the counter.
        throttled = verify(api_client, str(unverified.uuid).replace("-", ""), code)
        assert throttled.status_code == 429

    def test_verification_is_throttled_per_ip(self, make_user, api_client, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "verify_email_ip": "3/hour",
            },
        }
        users = [make_user(is_email_verified=False) for _ in range(4)]

        statuses = [verify(api_client, user, "123456").status_code for user in users]

        assert statuses == [400, 400, 400, 429]
        other_ip = APIClient(REMOTE_ADDR="10.0.0.2")
        assert verify(other_ip, users[0], "123456").status_code == 400

    def test_the_throttles_fail_closed_when_the_cache_is_down(
        self, unverified, api_client, monkeypatch
    ):
        class DownCache:
            def get(self, *args, **kwargs):
                raise ConnectionError("cache down")

            set = get

        monkeypatch.setattr("users_api.throttling.RateThrottle.cache", DownCache())

        response = verify(api_client, unverified, "123456")

        assert response.status_code == 503
        assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db
class TestBodies:
    @pytest.mark.parametrize(
        ("body", "attr", "code"),
        [
            ({}, "uuid", "required"),
            ({"uuid": str(uuid.uuid4())}, "code", "required"),
            ({"uuid": str(uuid.uuid4()), "code": None}, "code", "null"),
            ({"uuid": str(uuid.uuid4()), "code": ["123456"]}, "code", "invalid_input"),
            ({"uuid": str(uuid.uuid4()), "code": {"a": 1}}, "code", "invalid_input"),
            ({"uuid": str(uuid.uuid4()), "code": True}, "code", "invalid_input"),
            ({"uuid": None, "code": "123456"}, "uuid", "null"),
            ({"uuid": "x" * 10_000, "code": "123456"}, "uuid", "max_length"),
            ([{"uuid": "x", "code": "123456"}], None, "invalid_input"),
            ("123456", None, "invalid_input"),
        ],
    )
    def test_bad_bodies_are_400(self, body, attr, code, api_client):
        response = api_client.post(VERIFY_URL, body, format="json")

        assert response.status_code == 400
        assert response.json()["attr"] == attr
        assert response.json()["code"] == code

    def test_malformed_json_is_a_parse_error(self, api_client):
        response = api_client.post(VERIFY_URL, '{"uuid": ', content_type="application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"

    def test_a_lone_surrogate_in_the_uuid_is_a_400_not_a_cache_outage(self, api_client):
        raw = '{"uuid": "\\ud800", "code": "123456"}'
        response = api_client.post(VERIFY_URL, raw, content_type="application/json")

        assert response.status_code == 400
        assert (response.json()["code"], response.json()["attr"]) == (
            "surrogate_characters_not_allowed",
            "uuid",
        )

    def test_form_bodies_are_accepted(self, unverified, issue_code, api_client):
        code = issue_code(unverified)

        response = api_client.post(VERIFY_URL, {"uuid": str(unverified.uuid), "code": code})

        assert response.status_code == 200


@pytest.mark.django_db
def test_a_successful_verification_costs_a_fixed_number_of_queries(
    unverified, issue_code, api_client, django_assert_max_num_queries
):
    code = issue_code(unverified)

    # 16 with savepoints: user, code, attempt, consume, lock, verify, then the new session. The
    # two-factor check adds a query per device model once the twofactor app registers one. The
    # first verification ends the account's other sessions: +3 (bump, read back, listed
    # sessions). The new session is listed: +7 (its row, and the account's first device).
    with django_assert_max_num_queries(28):
        assert verify(api_client, unverified, code).status_code == 200
