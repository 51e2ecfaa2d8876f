"""Two-factor status (docs/api.md §2.7) and disabling it (docs/api.md §2.9)."""

import pytest
from django_otp import user_has_device

from accounts.models import SecurityEvent
from twofactor.models import BackupCode, BackupCodeSet, TOTPDevice

STATUS = "/api/users/@me/two_factor_status/"
DISABLE = "/api/users/@me/two_factor_disable/"
BACKUP_CODES = "/api/users/@me/two_factor_backup_codes/"


@pytest.mark.django_db
def test_status_without_2fa(session_client, make_user):
    user = make_user(passkeys_enabled_for_2fa=True)
    response = session_client(user).get(STATUS)
    assert response.status_code == 200
    assert response.json() == {
        "is_enabled": False,
        "method": None,
        "has_totp": False,
        "has_passkeys": False,
        "passkeys_enabled_for_2fa": True,
        "backup_codes_remaining": 0,
    }


@pytest.mark.django_db
def test_status_with_totp_and_backup_codes(session_client, make_user, enable_totp):
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    client.post(BACKUP_CODES)

    assert client.get(STATUS).json() == {
        "is_enabled": True,
        "method": "TOTP",
        "has_totp": True,
        "has_passkeys": False,
        "passkeys_enabled_for_2fa": False,
        "backup_codes_remaining": 10,
    }


@pytest.mark.django_db
def test_leftover_codes_count_as_zero_when_totp_is_off(session_client, make_user, enable_totp):
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    client.post(BACKUP_CODES)
    TOTPDevice.objects.filter(user=user).delete()  # e.g. removed outside the API

    assert client.get(STATUS).json()["backup_codes_remaining"] == 0


@pytest.mark.django_db
def test_status_of_another_user_is_for_staff_only(session_client, make_user, enable_totp):
    target = make_user()
    enable_totp(target)
    path = f"/api/users/{target.uuid}/two_factor_status/"

    assert session_client(make_user()).get(path).status_code == 403
    assert session_client(target).get(path).status_code == 403  # own uuid: use @me
    staff = session_client(make_user(is_staff=True))
    assert staff.get(path).json()["is_enabled"] is True
    assert staff.get("/api/users/not-a-uuid/two_factor_status/").status_code == 404


@pytest.mark.django_db
def test_disabling_removes_the_device_and_the_codes(
    session_client, make_user, enable_totp, sent_emails, django_capture_on_commit_callbacks
):
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    client.post(BACKUP_CODES)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DISABLE)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert not user_has_device(user, confirmed=True)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not BackupCode.objects.filter(code_set__user=user).exists()
    assert sent_emails[-1]["template"] == "two_factor_disabled"
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.TWO_FACTOR_DISABLED
    ).exists()
    assert client.get(STATUS).json()["is_enabled"] is False


@pytest.mark.django_db
def test_disabling_again_succeeds_quietly(
    session_client, make_user, enable_totp, sent_emails, django_capture_on_commit_callbacks
):
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(DISABLE).status_code == 200
        assert client.post(DISABLE).status_code == 200
    assert [m["template"] for m in sent_emails] == ["two_factor_disabled"]


@pytest.mark.django_db
def test_disabling_needs_a_recent_password(session_client, make_user, enable_totp):
    user = make_user()
    enable_totp(user)
    response = session_client(user, fresh=False).post(DISABLE)
    assert response.status_code == 403
    assert response.json()["code"] == "sensitive_action_required_reauth"
    assert TOTPDevice.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_staff_can_disable_another_users_2fa(session_client, make_user, enable_totp):
    target = make_user()
    enable_totp(target)
    staff_user = make_user(is_staff=True)

    response = session_client(staff_user).post(f"/api/users/{target.uuid}/two_factor_disable/")

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=target).exists()
    event = SecurityEvent.objects.get(user=target, type=SecurityEvent.Type.TWO_FACTOR_DISABLED)
    assert event.context == {"by_user_id": staff_user.pk}


@pytest.mark.django_db
def test_a_member_cannot_disable_someone_elses_2fa(session_client, make_user, enable_totp):
    target = make_user()
    enable_totp(target)
    response = session_client(make_user()).post(f"/api/users/{target.uuid}/two_factor_disable/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()
    assert not BackupCodeSet.objects.exists()


@pytest.mark.django_db
def test_status_query_budget(session_client, make_user, enable_totp, django_assert_max_num_queries):
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    with django_assert_max_num_queries(6):
        assert client.get(STATUS).status_code == 200
