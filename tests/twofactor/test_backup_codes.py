"""Backup codes (docs/api.md §2.8): shown once, stored hashed, each works once."""

import re

import pytest
from django.db import connection

from accounts.models import SecurityEvent
from twofactor.models import BackupCode, BackupCodeSet

BACKUP_CODES = "/api/users/@me/two_factor_backup_codes/"
LOGIN_TOKEN = "/api/login/token/"
STATUS = "/api/users/@me/two_factor_status/"


@pytest.fixture
def user_with_codes(make_user, enable_totp, session_client):
    """A user with TOTP, a fresh session and a first set of backup codes."""
    user = make_user()
    enable_totp(user)
    client = session_client(user)
    response = client.post(BACKUP_CODES)
    assert response.status_code == 200, response.content
    return user, client, response.json()["backup_codes"]


@pytest.mark.django_db
def test_without_2fa_there_are_no_backup_codes(session_client):
    response = session_client().post(BACKUP_CODES)
    assert response.status_code == 400
    assert response.json()["code"] == "2fa_not_enabled"
    assert not BackupCodeSet.objects.exists()


@pytest.mark.django_db
def test_ten_distinct_codes_of_eight_base32_characters(
    make_user, enable_totp, session_client, sent_emails, django_capture_on_commit_callbacks
):
    user = make_user()
    enable_totp(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = session_client(user).post(BACKUP_CODES, headers={"user-agent": "Phone/1.0"})

    assert response.status_code == 200
    codes = response.json()["backup_codes"]
    assert list(response.json()) == ["backup_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    assert BackupCode.objects.filter(code_set__user=user, used_at__isnull=True).count() == 10
    assert [m["template"] for m in sent_emails] == ["backup_codes_regenerated"]
    event = SecurityEvent.objects.get(user=user, type=SecurityEvent.Type.BACKUP_CODES_REGENERATED)
    assert (event.ip, event.user_agent, event.context) == ("127.0.0.1", "Phone/1.0", {})


@pytest.mark.django_db
def test_codes_are_stored_only_as_salted_hashes_with_one_salt_per_set(user_with_codes):
    user, _, codes = user_with_codes
    code_set = BackupCodeSet.objects.get(user=user)
    assert len(bytes.fromhex(code_set.salt)) * 8 >= 32

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM twofactor_backupcode")
        rows = [" ".join(str(value) for value in row) for row in cursor.fetchall()]
        cursor.execute("SELECT * FROM twofactor_backupcodeset")
        rows += [" ".join(str(value) for value in row) for row in cursor.fetchall()]
    stored = "\n".join(rows).lower()
    for code in codes:
        assert code not in stored


@pytest.mark.django_db
def test_the_same_code_hashes_differently_in_another_set(user_with_codes, session_client):
    user, client, _ = user_with_codes
    first = BackupCodeSet.objects.get(user=user)
    assert client.post(BACKUP_CODES).status_code == 200
    second = BackupCodeSet.objects.get(user=user)
    assert first.salt != second.salt
    assert first.digest("abcdefgh") != second.digest("abcdefgh")


@pytest.mark.django_db
def test_a_backup_code_logs_in_once(
    user_with_codes,
    password_step_client,
    clock,
    sent_emails,
    django_capture_on_commit_callbacks,
):
    user, _, codes = user_with_codes

    with django_capture_on_commit_callbacks(execute=True):
        response = password_step_client(user).post(LOGIN_TOKEN, {"token": codes[0]})

    assert response.status_code == 200, response.content
    assert sent_emails[-1]["template"] == "backup_code_used"
    assert sent_emails[-1]["to"] == user.email
    assert sent_emails[-1]["context"]["remaining"] == 9
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.BACKUP_CODE_USED, context={"remaining": 9}
    ).exists()

    again = password_step_client(user).post(LOGIN_TOKEN, {"token": codes[0]})
    assert again.status_code == 401
    assert again.json()["code"] == "2fa_invalid"


@pytest.mark.django_db
def test_status_counts_the_remaining_codes(user_with_codes, password_step_client):
    user, client, codes = user_with_codes
    assert password_step_client(user).post(LOGIN_TOKEN, {"token": codes[3]}).status_code == 200
    assert client.get(STATUS).json()["backup_codes_remaining"] == 9


@pytest.mark.django_db
@pytest.mark.parametrize(
    "form", [str.upper, lambda c: f"{c[:4]}-{c[4:]}", lambda c: f" {c[:4]} {c[4:]} "]
)
def test_input_ignores_case_spaces_and_hyphens(user_with_codes, password_step_client, form):
    user, _, codes = user_with_codes
    response = password_step_client(user).post(LOGIN_TOKEN, {"token": form(codes[1])})
    assert response.status_code == 200


@pytest.mark.django_db
def test_regenerating_invalidates_the_previous_set(user_with_codes, password_step_client, clock):
    user, client, old_codes = user_with_codes
    new_codes = client.post(BACKUP_CODES).json()["backup_codes"]

    refused = password_step_client(user).post(LOGIN_TOKEN, {"token": old_codes[0]})
    assert refused.status_code == 401
    clock.shift(1)  # the back-off after that failure
    accepted = password_step_client(user).post(LOGIN_TOKEN, {"token": new_codes[0]})
    assert accepted.status_code == 200
    assert BackupCodeSet.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_backup_codes_need_a_recent_password(make_user, enable_totp, session_client):
    user = make_user()
    enable_totp(user)
    response = session_client(user, fresh=False).post(BACKUP_CODES)
    assert response.status_code == 403
    assert response.json()["code"] == "sensitive_action_required_reauth"


@pytest.mark.django_db
def test_nobody_can_mint_codes_for_someone_else(make_user, enable_totp, session_client):
    target = make_user()
    enable_totp(target)
    staff = session_client(make_user(is_staff=True))
    member = session_client(make_user())

    path = f"/api/users/{target.uuid}/two_factor_backup_codes/"
    assert staff.post(path).status_code == 403
    assert member.post(path).status_code == 403
    assert not BackupCodeSet.objects.exists()
