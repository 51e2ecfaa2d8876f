"""Staff powers do not chain into account takeover (issue 17 item 2), step by step over HTTP.

The reported chain: a staff key sets ``is_staff`` on an accomplice; the accomplice disables a
superuser's 2FA, moves the superuser's email to its own inbox and signs in with ``verify_email``.
Each step is refused now, and the state is read back.
"""

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from rest_framework.test import APIClient

from accounts.models import SecurityEvent
from tests.accounts.email_support import VERIFY_URL, code_in
from twofactor import totp
from twofactor.models import TOTPDevice
from twofactor.services import setup as twofactor_setup

pytestmark = pytest.mark.django_db


def _enable_2fa(user):
    secret = totp.new_secret()
    code = pyotp.TOTP(totp.to_base32(secret)).now()
    twofactor_setup.confirm_totp_setup(user=user, secret=secret, code=code)


@pytest.fixture
def cast(make_user):
    staff = make_user(email="staff@example.com", is_staff=True)
    accomplice = make_user(email="accomplice@example.com")
    superuser = make_user(email="root@example.com", is_staff=True, is_superuser=True)
    _enable_2fa(superuser)
    return staff, accomplice, superuser


def test_a_staff_key_cannot_make_anyone_staff(cast, api_key_client):
    staff, accomplice, _ = cast
    response = api_key_client("user:write", user=staff).patch(
        f"/api/users/{accomplice.uuid}/", {"is_staff": True}, format="json"
    )
    assert response.status_code == 403
    accomplice.refresh_from_db()
    assert accomplice.is_staff is False


def test_a_staff_session_cannot_make_anyone_staff_even_fresh(cast, session_client):
    staff, accomplice, _ = cast
    response = session_client(staff).patch(
        f"/api/users/{accomplice.uuid}/", {"is_staff": True}, format="json"
    )
    assert response.status_code == 403
    accomplice.refresh_from_db()
    assert accomplice.is_staff is False


def test_staff_cannot_disable_a_superusers_2fa(cast, session_client):
    staff, _, superuser = cast
    response = session_client(staff).post(f"/api/users/{superuser.uuid}/two_factor_disable/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=superuser, confirmed=True).exists()


def test_staff_cannot_disable_a_plain_users_2fa(cast, session_client, make_user):
    staff = cast[0]
    user = make_user()
    _enable_2fa(user)
    response = session_client(staff).post(f"/api/users/{user.uuid}/two_factor_disable/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@pytest.mark.parametrize("target", ["superuser", "plain"])
def test_staff_cannot_change_another_accounts_email(cast, session_client, make_user, target):
    staff, _, superuser = cast
    user = superuser if target == "superuser" else make_user()
    response = session_client(staff).patch(
        f"/api/users/{user.uuid}/", {"email": "staff-inbox@example.com"}, format="json"
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.pending_email is None


def test_staff_cannot_even_rename_staff_or_superusers(cast, session_client):
    staff, _, superuser = cast
    response = session_client(staff).patch(
        f"/api/users/{superuser.uuid}/", {"first_name": "Owned"}, format="json"
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.first_name != "Owned"


def test_staff_still_make_ordinary_changes_to_ordinary_accounts(cast, session_client):
    staff, accomplice, _ = cast
    response = session_client(staff).patch(
        f"/api/users/{accomplice.uuid}/", {"first_name": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    accomplice.refresh_from_db()
    assert accomplice.first_name == "Renamed"


def test_a_superuser_needs_a_fresh_session_and_never_a_key(
    cast, session_client, api_key_client, make_user
):
    superuser = cast[2]
    user = make_user()
    _enable_2fa(user)
    path = f"/api/users/{user.uuid}/two_factor_disable/"

    stale = session_client(superuser, fresh=False).post(path)
    keyed = api_key_client("*", user=superuser).post(path)

    assert stale.status_code == 403
    assert stale.json()["code"] == "sensitive_action_required_reauth"
    assert keyed.status_code == 403
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_superusers_act_emails_the_target_and_is_a_security_event(
    cast, session_client, make_user, queued_emails, django_capture_on_commit_callbacks
):
    superuser = cast[2]
    user = make_user(email="target@example.com")
    _enable_2fa(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = session_client(superuser).post(f"/api/users/{user.uuid}/two_factor_disable/")

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    event = SecurityEvent.objects.get(user=user, type=SecurityEvent.Type.CHANGED_BY_ADMINISTRATOR)
    assert event.context["by_user_id"] == superuser.pk
    notices = [e for e in queued_emails if e["template"] == "changed_by_administrator"]
    assert [e["to"] for e in notices] == ["target@example.com"]


def test_an_email_change_by_a_superuser_does_not_sign_in_whoever_holds_the_code(
    cast, session_client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    superuser = cast[2]
    user = make_user(email="target@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = session_client(superuser).patch(
            f"/api/users/{user.uuid}/", {"email": "elsewhere@example.com"}, format="json"
        )
    assert response.status_code == 200
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.CHANGED_BY_ADMINISTRATOR
    ).exists()
    code = code_in(next(m for m in mailoutbox if m.to == ["elsewhere@example.com"]))
    holder = APIClient()

    verified = holder.post(VERIFY_URL, {"uuid": str(user.uuid), "code": code}, format="json")

    assert verified.status_code == 200
    assert SESSION_KEY not in holder.session
    assert holder.get("/api/users/@me/").status_code == 401
