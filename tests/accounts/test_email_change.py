"""Email change: staged by the service, confirmed and cancelled over HTTP (docs/api.md §2.10,
§2.12).

``PATCH /api/users/@me/ {"email": ...}`` calls ``request_email_change``; the HTTP path through it
is tested with the user resource.
"""

import pytest
from rest_framework.test import APIClient

from accounts.models import EmailVerificationCode, SecurityEvent, User
from accounts.services import email_verification
from tests.accounts.email_support import CANCEL_URL, VERIFY_URL, code_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(make_user):
    return make_user(email="old@example.com", first_name="Ada")


@pytest.fixture
def request_change(django_capture_on_commit_callbacks, mailoutbox):
    def request(user: User, new_email: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            email_verification.request_email_change(user=user, new_email=new_email)
        return code_in(mailoutbox[-1])

    return request


def verify(client, user, code):
    return client.post(VERIFY_URL, {"uuid": str(user.uuid), "code": code}, format="json")


def test_requesting_a_change_stages_the_address_and_sends_a_code_to_it(
    user, request_change, mailoutbox
):
    request_change(user, "  New@Example.com ")

    user.refresh_from_db()
    assert user.pending_email == "new@example.com"
    assert user.email == "old@example.com"
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert EmailVerificationCode.objects.get(user=user).target_email == "new@example.com"
    event = SecurityEvent.objects.get(user=user)
    assert event.type == SecurityEvent.Type.EMAIL_CHANGE_REQUESTED
    assert event.context == {"new_email": "new@example.com"}


def test_the_code_swaps_the_address_in_and_notifies_both_addresses(
    user, request_change, mailoutbox, django_capture_on_commit_callbacks
):
    code = request_change(user, "new@example.com")
    mailoutbox.clear()
    client = APIClient()

    with django_capture_on_commit_callbacks(execute=True):
        response = verify(client, user, code)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert user.pending_email is None
    assert user.is_email_verified
    assert sorted(m.to[0] for m in mailoutbox) == ["new@example.com", "old@example.com"]
    for message in mailoutbox:
        assert "old@example.com" in message.body
        assert "new@example.com" in message.body
    assert SecurityEvent.objects.filter(
        user=user,
        type=SecurityEvent.Type.EMAIL_CHANGE_CONFIRMED,
        context={"old_email": "old@example.com", "new_email": "new@example.com"},
    ).exists()


def test_confirming_a_change_ends_the_other_sessions_and_logs_the_caller_in(
    user, request_change, session_client
):
    other_device = session_client(user)
    assert other_device.patch(CANCEL_URL).status_code == 400  # logged in: nothing pending yet
    code = request_change(user, "new@example.com")
    caller = APIClient()

    assert verify(caller, user, code).status_code == 200

    assert other_device.patch(CANCEL_URL).status_code == 401
    after = caller.get("/api/users/@me/")  # the caller's new session works
    assert after.status_code == 200
    assert after.json()["email"] == "new@example.com"


def test_an_address_taken_meanwhile_is_refused(user, request_change, make_user, mailoutbox):
    code = request_change(user, "new@example.com")
    make_user(email="new@example.com")
    mailoutbox.clear()

    response = verify(APIClient(), user, code)

    assert response.status_code == 400
    assert response.json()["attr"] == "email"
    assert response.json()["code"] == "email_taken"
    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert user.pending_email == "new@example.com"
    assert mailoutbox == []
    assert "sessionid" not in response.cookies


def test_the_code_sent_before_the_change_no_longer_works(
    make_user, request_change, django_capture_on_commit_callbacks, mailoutbox
):
    user = make_user(email="old@example.com", is_email_verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        email_verification.send_verification_code(user=user)
    old_code = code_in(mailoutbox[-1])
    new_code = request_change(user, "new@example.com")
    if old_code == new_code:
        pytest.skip("the CSPRNG drew the same code twice")

    response = verify(APIClient(), user, old_code)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_an_unverified_user_changing_email_gets_the_new_address_verified(make_user, request_change):
    user = make_user(email="typo@example.con", is_email_verified=False)
    code = request_change(user, "right@example.com")

    assert verify(APIClient(), user, code).status_code == 200

    user.refresh_from_db()
    assert (user.email, user.pending_email, user.is_email_verified) == (
        "right@example.com",
        None,
        True,
    )


class TestCancel:
    def test_cancelling_clears_the_pending_address_and_its_code(
        self, user, request_change, session_client
    ):
        code = request_change(user, "new@example.com")
        client = session_client(user)

        response = client.patch(CANCEL_URL)

        assert response.status_code == 200
        assert response.json()["email"] == "old@example.com"
        assert response.json()["pending_email"] is None
        assert response.json()["uuid"] == str(user.uuid)
        user.refresh_from_db()
        assert user.pending_email is None
        assert not EmailVerificationCode.objects.filter(user=user).exists()
        assert SecurityEvent.objects.filter(
            user=user, type=SecurityEvent.Type.EMAIL_CHANGE_CANCELLED
        ).exists()
        # The code sent to the cancelled address is dead: nothing is pending any more.
        replay = verify(APIClient(), user, code)
        assert replay.status_code == 400
        assert replay.json()["code"] == "already_verified"
        user.refresh_from_db()
        assert user.email == "old@example.com"

    def test_nothing_pending_is_a_400(self, user, session_client):
        response = session_client(user).patch(CANCEL_URL)

        assert response.status_code == 400
        assert response.json()["code"] == "email_change_request_not_found"
        assert response.json()["attr"] is None

    def test_anonymous_callers_are_401(self, api_client):
        response = api_client.patch(CANCEL_URL)

        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    @pytest.mark.parametrize("scope", ["user:read", "user:write", "*"])
    def test_api_keys_are_refused(self, scope, user, request_change, api_key_client):
        request_change(user, "new@example.com")

        response = api_key_client(scope, user=user).patch(CANCEL_URL)

        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        user.refresh_from_db()
        assert user.pending_email == "new@example.com"

    def test_any_session_may_cancel(self, user, request_change, session_client):
        request_change(user, "new@example.com")

        response = session_client(user, fresh=False).patch(CANCEL_URL)

        assert response.status_code == 200
        user.refresh_from_db()
        assert user.pending_email is None

    def test_only_patch_is_allowed(self, user, session_client):
        response = session_client(user).post(CANCEL_URL)

        assert response.status_code == 405

    def test_the_session_needs_the_csrf_token(self, user, request_change):
        request_change(user, "new@example.com")
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(user)

        response = client.patch(CANCEL_URL)

        assert response.status_code == 403
