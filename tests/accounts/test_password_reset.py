"""Password reset (docs/api.md §2.16): request a link, check it, set a new password."""

import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import freshness, login_flow
from accounts.models import SecurityEvent
from tests.conftest import PASSWORD

REQUEST = "/api/reset/"
NEW_PASSWORD = "a completely new passphrase 77"
pytestmark = pytest.mark.django_db


@pytest.fixture
def user(make_user):
    return make_user(email="ada@example.com", first_name="Ada")


@pytest.fixture
def request_reset(api_client, django_capture_on_commit_callbacks, queued_emails):
    """POST /api/reset/ and return the link of the email it queued (None if none was)."""

    def request(email: str, client: APIClient | None = None) -> str | None:
        before = len(queued_emails)
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or api_client).post(REQUEST, {"email": email}, format="json")
        assert response.status_code == 204, response.content
        assert response.content == b""
        new = queued_emails[before:]
        return new[0]["context"]["link"] if new else None

    return request


def parts(link: str) -> tuple[str, str]:
    """The uuid and token of a reset link (``<PASSWORD_RESET_URL>/<uuid>/<token>``)."""
    *_, uuid, token = urlsplit(link).path.rstrip("/").split("/")
    return uuid, token


def check(client, uuid, token):
    return client.get(f"/api/reset/{uuid}/", {"token": token})


def confirm(client, uuid, token, password=NEW_PASSWORD):
    return client.post(f"/api/reset/{uuid}/", {"token": token, "password": password}, format="json")


def assert_invalid_token(response):
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["type"], body["code"], body["attr"]) == (
        "validation_error",
        "invalid_token",
        "token",
    )


class TestRequest:
    def test_a_known_address_gets_a_link_to_the_web_app(
        self, user, request_reset, queued_emails, settings
    ):
        settings.PASSWORD_RESET_URL = "https://app.example.com/reset"

        link = request_reset("Ada@Example.com ")

        [email] = queued_emails
        assert (email["template"], email["to"]) == ("password_reset", "ada@example.com")
        assert email["context"]["expires_minutes"] == 60
        assert link.startswith(f"https://app.example.com/reset/{user.uuid}/")
        assert SecurityEvent.objects.filter(
            user=user, type=SecurityEvent.Type.PASSWORD_RESET_REQUESTED
        ).exists()

    def test_the_link_can_be_shaped_with_placeholders(self, user, request_reset, settings):
        settings.PASSWORD_RESET_URL = "https://app.example.com/#/reset?u={uuid}&t={token}"

        link = request_reset("ada@example.com")

        assert re.fullmatch(rf"https://app\.example\.com/#/reset\?u={user.uuid}&t=[\w-]+", link)

    @pytest.mark.parametrize("email", ["nobody@example.com", "not an address", "x" * 254])
    def test_an_unknown_address_gets_the_same_answer_and_nothing_is_sent(
        self, db, request_reset, queued_emails, email
    ):
        assert request_reset(email) is None
        assert queued_emails == []

    def test_an_inactive_account_gets_nothing(self, make_user, request_reset, queued_emails):
        make_user(email="gone@example.com", is_active=False)
        assert request_reset("gone@example.com") is None

    def test_known_and_unknown_addresses_cost_the_request_the_same_work(
        self, user, api_client, monkeypatch, django_capture_on_commit_callbacks
    ):
        # Timing cannot tell them apart if the request does exactly the same thing for both:
        # no lookup at all, and one background task published after commit.
        from accounts import tasks

        published = []
        monkeypatch.setattr(
            tasks.send_reset_link, "apply_async", lambda kwargs: published.append(kwargs)
        )

        def cost(email):
            with (
                CaptureQueriesContext(connection) as queries,
                django_capture_on_commit_callbacks(execute=True) as hooks,
            ):
                assert api_client.post(REQUEST, {"email": email}).status_code == 204
            return len(queries), len(hooks)

        assert cost("ada@example.com") == cost("nobody@example.com") == (0, 1)
        assert [sorted(kwargs) for kwargs in published] == [["email", "ip", "user_agent"]] * 2

    @pytest.mark.parametrize("body", [{}, {"email": None}, {"email": ["a"]}, {"email": "x" * 255}])
    def test_a_bad_body_is_a_400(self, api_client, db, body):
        response = api_client.post(REQUEST, body, format="json")
        assert response.status_code == 400
        assert response.json()["attr"] == "email"

    def test_requests_are_throttled_per_address(self, user, request_reset, api_client):
        for _ in range(5):
            request_reset("ada@example.com")

        response = api_client.post(REQUEST, {"email": " ADA@example.com"}, format="json")

        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        request_reset("someone.else@example.com")  # another address is not affected

    def test_requests_are_throttled_per_ip(self, db, api_client, settings):
        rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**rates, "password_reset_ip": "3/hour"},
        }
        for n in range(3):
            assert api_client.post(REQUEST, {"email": f"a{n}@example.com"}).status_code == 204

        response = api_client.post(REQUEST, {"email": "a9@example.com"})

        assert response.status_code == 429

    def test_an_api_key_is_refused(self, api_key_client):
        response = api_key_client("*").post(REQUEST, {"email": "ada@example.com"})
        assert response.status_code == 403


class TestCheck:
    def test_a_fresh_link_works(self, user, request_reset, api_client):
        uuid, token = parts(request_reset("ada@example.com"))

        response = check(api_client, uuid, token)

        assert response.status_code == 200
        assert response.json() == {"success": True}

    @pytest.mark.parametrize(
        "token", ["", "x", "abc-def", "zzzzzzzzzzzzzz-" + "0" * 32, "a\u00e9b"]
    )
    def test_a_wrong_token_is_invalid(self, user, api_client, token):
        response = check(api_client, user.uuid, token)
        if token == "":
            assert response.status_code == 400
            assert response.json()["attr"] == "token"
        else:
            assert_invalid_token(response)

    @pytest.mark.parametrize("uuid", ["00000000-0000-0000-0000-000000000000", "nope", "@me"])
    def test_an_unknown_or_malformed_uuid_is_invalid(self, user, request_reset, api_client, uuid):
        _, token = parts(request_reset("ada@example.com"))
        assert_invalid_token(check(api_client, uuid, token))

    def test_another_users_token_is_invalid(self, user, make_user, request_reset, api_client):
        _, token = parts(request_reset("ada@example.com"))
        assert_invalid_token(check(api_client, make_user().uuid, token))

    def test_a_missing_token_is_required(self, user, api_client):
        response = api_client.get(f"/api/reset/{user.uuid}/")
        assert (response.status_code, response.json()["code"]) == (400, "required")

    def test_a_link_expires_after_password_reset_timeout(
        self, user, request_reset, api_client, time_machine, settings
    ):
        settings.PASSWORD_RESET_TIMEOUT = 600
        time_machine.move_to(timezone.now(), tick=False)
        uuid, token = parts(request_reset("ada@example.com"))

        time_machine.shift(timedelta(seconds=599))
        assert check(api_client, uuid, token).status_code == 200
        time_machine.shift(timedelta(seconds=2))
        assert_invalid_token(check(api_client, uuid, token))

    def test_a_password_change_kills_the_link(self, user, request_reset, session_client):
        uuid, token = parts(request_reset("ada@example.com"))
        changed = session_client(user).patch(
            "/api/users/@me/", {"password": NEW_PASSWORD, "current_password": PASSWORD}
        )
        assert changed.status_code == 200

        assert_invalid_token(check(APIClient(), uuid, token))


class TestConfirm:
    def test_the_password_changes_and_the_account_is_named(
        self, user, request_reset, api_client, queued_emails, django_capture_on_commit_callbacks
    ):
        uuid, token = parts(request_reset("ada@example.com"))

        with django_capture_on_commit_callbacks(execute=True):
            response = confirm(api_client, uuid, token)

        assert response.status_code == 200
        assert response.json() == {"email": "ada@example.com"}
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert SecurityEvent.objects.filter(
            user=user, type=SecurityEvent.Type.PASSWORD_RESET
        ).exists()
        assert [(e["template"], e["to"]) for e in queued_emails[1:]] == [
            ("password_reset_completed", "ada@example.com")
        ]

    def test_it_never_logs_in(self, user, request_reset, api_client):
        uuid, token = parts(request_reset("ada@example.com"))

        response = confirm(api_client, uuid, token)

        assert "sessionid" not in response.cookies
        assert api_client.get("/api/users/@me/").status_code == 401

    def test_a_link_works_once(self, user, request_reset, api_client):
        uuid, token = parts(request_reset("ada@example.com"))
        assert confirm(api_client, uuid, token).status_code == 200

        assert_invalid_token(confirm(api_client, uuid, token, "yet another passphrase 55"))
        assert_invalid_token(check(api_client, uuid, token))
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

    def test_every_session_and_pending_login_ends(
        self, user, request_reset, session_client, api_client, monkeypatch
    ):
        signed_in = session_client(user)
        # A login waiting for its second factor, as /api/login/ leaves it for a user with 2FA.
        monkeypatch.setattr("accounts.login_flow.user_has_device", lambda *a, **k: True)
        pending = APIClient()
        step = pending.post("/api/login/", {"email": user.email, "password": PASSWORD})
        assert step.json()["code"] == "2fa_required"
        assert login_flow.PASSWORD_STEP_KEY in pending.session
        uuid, token = parts(request_reset("ada@example.com"))

        assert confirm(api_client, uuid, token).status_code == 200

        assert signed_in.get("/api/users/@me/").status_code == 401
        second_step = pending.post("/api/login/token/", {"token": "123456"})
        assert (second_step.status_code, second_step.json()["code"]) == (401, "2fa_expired")

    def test_a_weak_password_is_refused_and_the_link_still_works(
        self, user, request_reset, api_client
    ):
        uuid, token = parts(request_reset("ada@example.com"))

        for weak in ("password", "12345678", "ada"):
            response = confirm(api_client, uuid, token, weak)
            assert response.status_code == 400
            assert (response.json()["type"], response.json()["attr"]) == (
                "validation_error",
                "password",
            )
        assert check(api_client, uuid, token).status_code == 200

    def test_a_wrong_token_is_checked_before_the_password(self, user, api_client):
        assert_invalid_token(confirm(api_client, user.uuid, "wrong-token", "short"))

    def test_a_lone_surrogate_in_the_token_is_a_400_not_a_500(self, user, api_client):
        body = '{"token": "\\ud800", "password": "a completely new passphrase 77"}'
        response = api_client.post(
            f"/api/reset/{user.uuid}/", body, content_type="application/json"
        )
        assert (response.status_code, response.json()["attr"]) == (400, "token")

    @pytest.mark.parametrize("body", [{}, {"token": "x"}, {"password": NEW_PASSWORD}])
    def test_missing_fields_are_required(self, user, api_client, body):
        response = api_client.post(f"/api/reset/{user.uuid}/", body, format="json")
        assert (response.status_code, response.json()["code"]) == (400, "required")

    def test_it_never_skips_the_second_factor(self, user, request_reset, api_client, monkeypatch):
        monkeypatch.setattr("accounts.login_flow.user_has_device", lambda *a, **k: True)
        uuid, token = parts(request_reset("ada@example.com"))
        assert confirm(api_client, uuid, token).status_code == 200

        login = APIClient().post("/api/login/", {"email": user.email, "password": NEW_PASSWORD})

        assert login.status_code == 401
        assert login.json()["code"] == "2fa_required"

    def test_the_token_is_never_logged(self, user, request_reset, api_client, caplog):
        caplog.set_level(logging.DEBUG)
        uuid, token = parts(request_reset("ada@example.com"))
        check(api_client, uuid, token)
        confirm(api_client, uuid, token)
        check(api_client, uuid, token)  # a refused, used token

        assert token not in caplog.text
        assert all(token not in repr(record.args) for record in caplog.records)


def test_the_token_is_djangos_and_is_not_stored(user, request_reset):
    _, token = parts(request_reset("ada@example.com"))
    assert default_token_generator.check_token(user, token)
    user.refresh_from_db()
    assert token not in str(SecurityEvent.objects.values_list("context", flat=True))


def test_the_freshness_of_other_sessions_does_not_survive(user, request_reset, session_client):
    client = session_client(user)
    assert freshness.proved_at(client.session) is not None
    uuid, token = parts(request_reset("ada@example.com"))

    confirm(APIClient(), uuid, token)

    assert client.get("/api/users/@me/").status_code == 401
