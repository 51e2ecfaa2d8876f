"""POST /api/users/request_email_verification/ (docs/api.md §2.11)."""

import uuid

import pytest

from accounts.models import EmailVerificationCode
from tests.accounts.email_support import REQUEST_URL, code_in

# An address nobody has: fixed, so the test ids are the same on every run (pytest-xdist).
UNKNOWN_UUID = "5b0c1a7e-3f1d-4c2a-9e8b-0d4f6a2c9e71"

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_code(api_client, django_capture_on_commit_callbacks):
    def post(body, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(REQUEST_URL, body, format="json", **extra)

    return post


def test_an_unverified_user_gets_a_code_at_the_account_email(make_user, request_code, mailoutbox):
    user = make_user(email="new@example.com", is_email_verified=False, first_name="Ada")

    response = request_code({"uuid": str(user.uuid)})

    assert response.status_code == 200
    assert response.json() == {"success": True}
    [message] = mailoutbox
    assert message.to == ["new@example.com"]
    assert "Ada" in message.body
    assert "10 minutes" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    code = code_in(message)
    row = EmailVerificationCode.objects.get(user=user)
    assert row.target_email == "new@example.com"
    assert row.attempts == 0
    assert code not in row.code_digest


def test_a_pending_email_change_sends_the_code_to_the_new_address(
    make_user, request_code, mailoutbox
):
    user = make_user(email="old@example.com", pending_email="next@example.com")

    response = request_code({"uuid": str(user.uuid)})

    assert response.status_code == 200
    assert [m.to for m in mailoutbox] == [["next@example.com"]]
    assert EmailVerificationCode.objects.get(user=user).target_email == "next@example.com"


def test_a_verified_user_with_nothing_pending_is_told_so(make_user, request_code, mailoutbox):
    user = make_user(is_email_verified=True)

    response = request_code({"uuid": str(user.uuid)})

    assert response.status_code == 400
    assert response.json()["code"] == "already_verified"
    assert response.json()["attr"] is None
    assert mailoutbox == []


@pytest.mark.parametrize("value", [UNKNOWN_UUID, "not-a-uuid", "123", "", 42])
def test_unknown_or_malformed_uuids_get_the_same_answer_and_nothing_is_sent(
    value, make_user, request_code, mailoutbox
):
    make_user(is_email_verified=False)

    response = request_code({"uuid": value})

    if value == "":
        # An empty string is "missing", like the field itself.
        assert response.status_code == 400
        assert response.json()["code"] == "blank"
        return
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert mailoutbox == []
    assert not EmailVerificationCode.objects.exists()


def test_an_inactive_user_is_answered_like_an_unknown_one(make_user, request_code, mailoutbox):
    user = make_user(is_email_verified=False, is_active=False)

    response = request_code({"uuid": str(user.uuid)})

    assert response.status_code == 200
    assert mailoutbox == []


def test_a_new_code_supersedes_the_previous_one(make_user, request_code, mailoutbox):
    user = make_user(is_email_verified=False)

    request_code({"uuid": str(user.uuid)})
    first = EmailVerificationCode.objects.get(user=user)
    request_code({"uuid": str(user.uuid)})

    assert EmailVerificationCode.objects.filter(user=user).count() == 1
    assert EmailVerificationCode.objects.get(user=user).code_digest != first.code_digest
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "uuid", "required"),
        ({"uuid": None}, "uuid", "null"),
        ({"uuid": ["a"]}, "uuid", "invalid_input"),
        ({"uuid": {"a": 1}}, "uuid", "invalid_input"),
        ({"uuid": "x" * 10_000}, "uuid", "max_length"),
        ([1, 2], None, "invalid_input"),
        ("just a string", None, "invalid_input"),
    ],
)
def test_bad_bodies_are_400(body, attr, code, request_code):
    response = request_code(body)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == attr
    assert response.json()["code"] == code


def test_malformed_json_is_a_parse_error_not_a_server_error(api_client):
    response = api_client.post(REQUEST_URL, "{nope", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_lone_surrogate_in_the_uuid_is_a_400_not_a_cache_outage(api_client):
    # The throttle hashes the malformed uuid; "\ud800" has no UTF-8 form and used to pass for
    # an unreachable cache (503).
    raw = '{"uuid": "\\ud800"}'
    response = api_client.post(REQUEST_URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == (
        "surrogate_characters_not_allowed",
        "uuid",
    )


def test_requests_are_throttled_per_target_user(make_user, request_code, mailoutbox):
    user = make_user(is_email_verified=False)
    other = make_user(is_email_verified=False)

    statuses = [request_code({"uuid": str(user.uuid)}).status_code for _ in range(7)]

    assert statuses == [200] * 6 + [429]
    throttled = request_code({"uuid": str(user.uuid).upper()})  # another spelling, same user
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert len(mailoutbox) == 6
    assert request_code({"uuid": str(other.uuid)}).status_code == 200


def test_unknown_uuids_are_throttled_like_known_ones(request_code):
    unknown = str(uuid.uuid4())

    statuses = [request_code({"uuid": unknown}).status_code for _ in range(7)]

    assert statuses == [200] * 6 + [429]


def test_the_throttle_fails_closed_when_the_cache_is_down(make_user, request_code, monkeypatch):
    class DownCache:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr("users_api.throttling.RateThrottle.cache", DownCache())
    user = make_user(is_email_verified=False)

    response = request_code({"uuid": str(user.uuid)})

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_a_bad_api_key_is_refused_even_here(make_user, api_client):
    user = make_user(is_email_verified=False)
    api_client.credentials(HTTP_AUTHORIZATION="Bearer phx_not_a_real_key")

    response = api_client.post(REQUEST_URL, {"uuid": str(user.uuid)}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_request_costs_a_fixed_number_of_queries(
    make_user, api_client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    user = make_user(is_email_verified=False)

    # The request's own queries (the email's outbox row included); delivery runs after commit.
    with django_assert_max_num_queries(4), django_capture_on_commit_callbacks(execute=False):
        response = api_client.post(REQUEST_URL, {"uuid": str(user.uuid)}, format="json")
    assert response.status_code == 200
