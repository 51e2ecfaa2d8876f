"""Who may write the user resource: session freshness (docs/api.md §1.6) and API-key limits
(§1.4).
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

ME = "/api/users/@me/"

# Fields any session may change, also one that never proved the password (docs/api.md §1.6).
ANY_SESSION = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "notification_settings": {"plugin_disabled": False},
    "anonymize_data": True,
    "toolbar_mode": "disabled",
    "theme_mode": "dark",
    "allow_sidebar_suggestions": True,
    "shortcut_position": "below",
    "has_seen_product_intro_for": {"surveys": True},
    "events_column_config": {"active": "DEFAULT"},
    "hedgehog_config": {"color": "green"},
    "role_at_organization": "data",
}
# Fields that protect the account: a password proof younger than SENSITIVE_ACTION_MAX_AGE.
SENSITIVE = {"allow_impersonation": False}


class TestSessionFreshness:
    @pytest.mark.parametrize(("key", "value"), ANY_SESSION.items())
    def test_profile_fields_need_no_password_proof(self, make_user, session_client, key, value):
        response = session_client(make_user(), fresh=False).patch(ME, {key: value}, format="json")
        assert response.status_code == 200, response.json()

    def test_all_of_them_at_once_with_put(self, make_user, session_client):
        response = session_client(make_user(), fresh=False).put(ME, ANY_SESSION, format="json")
        assert response.status_code == 200, response.json()

    def test_switching_organization_needs_no_password_proof(self, make_user, session_client):
        user = make_user(with_team=True)
        response = session_client(user, fresh=False).patch(
            ME,
            {
                "set_current_organization": str(user.current_organization_id),
                "set_current_team": user.current_team_id,
            },
            format="json",
        )
        assert response.status_code == 200

    @pytest.mark.parametrize("method", ["patch", "put"])
    def test_a_sensitive_field_without_a_password_proof_needs_reauthentication(
        self, make_user, session_client, method
    ):
        user = make_user(first_name="Ada")
        response = getattr(session_client(user, fresh=False), method)(
            ME, {**ANY_SESSION, **SENSITIVE}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "sensitive_action_required_reauth"
        user.refresh_from_db()
        assert (user.first_name, user.allow_impersonation) == ("Ada", True)  # nothing applied

    def test_a_proof_older_than_the_sensitive_age_needs_reauthentication(
        self, make_user, session_client
    ):
        client = session_client(make_user())
        with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
            response = client.patch(ME, SENSITIVE, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "sensitive_action_required_reauth"

    def test_a_proof_younger_than_the_sensitive_age_is_enough(self, make_user, session_client):
        user = make_user()
        client = session_client(user)
        with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=59)):
            response = client.patch(ME, SENSITIVE, format="json")
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.allow_impersonation is False

    def test_a_sensitive_field_sent_back_unchanged_needs_nothing(self, make_user, session_client):
        user = make_user(email="ada@example.com", is_staff=True)
        response = session_client(user, fresh=False).put(
            ME,
            {
                "first_name": "Grace",
                "email": "ada@example.com",
                "allow_impersonation": True,
                "is_staff": True,
                "passkeys_enabled_for_2fa": False,
            },
            format="json",
        )
        assert response.status_code == 200, response.json()

    def test_staff_status_needs_a_password_proof(self, make_user, session_client):
        staff, other = make_user(is_staff=True), make_user()
        path = f"/api/users/{other.uuid}/"

        stale = session_client(staff, fresh=False).patch(path, {"is_staff": True}, format="json")
        fresh = session_client(staff).patch(path, {"is_staff": True}, format="json")

        assert stale.status_code == 403
        assert stale.json()["code"] == "sensitive_action_required_reauth"
        assert fresh.status_code == 200
        other.refresh_from_db()
        assert other.is_staff

    def test_only_staff_may_send_is_staff_even_unchanged(self, make_user, session_client):
        response = session_client(make_user()).patch(ME, {"is_staff": False}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"

    def test_an_email_change_needs_a_proof_younger_than_ten_minutes(
        self, make_user, session_client
    ):
        client = session_client(make_user())
        with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
            stale = client.patch(ME, {"email": "new@example.com"}, format="json")
            allowed = client.patch(ME, {"allow_impersonation": False}, format="json")
        assert stale.status_code == 403
        assert stale.json()["code"] == "sensitive_action_required_reauth"
        assert allowed.status_code == 200  # still within the two hours

    def test_a_refused_email_change_does_not_reveal_whether_the_address_is_taken(
        self, make_user, session_client
    ):
        make_user(email="taken@example.com")
        response = session_client(make_user(), fresh=False).patch(
            ME, {"email": "taken@example.com"}, format="json"
        )
        assert response.status_code == 403

    def test_deleting_the_account_needs_a_password_proof(self, make_user, session_client):
        assert session_client(make_user(), fresh=False).delete(ME).status_code == 403

    def test_reading_needs_no_fresh_proof(self, make_user, session_client):
        assert session_client(make_user(), fresh=False).get(ME).status_code == 200


def test_every_writable_field_has_a_rule():
    from accounts.profile_rules import FIELDS
    from accounts.serializers.profile import UserUpdateSerializer

    assert set(UserUpdateSerializer().fields) == set(FIELDS)


class TestAPIKeys:
    def test_a_write_key_edits_without_freshness(self, make_user, api_key_client):
        user = make_user()
        response = api_key_client("user:write", user=user).patch(
            ME, {"first_name": "Keyed"}, format="json"
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.first_name == "Keyed"

    def test_a_read_key_cannot_write(self, make_user, api_key_client):
        response = api_key_client("user:read", user=make_user()).patch(
            ME, {"first_name": "Keyed"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"

    @pytest.mark.parametrize("scope", ["user:write", "*"])
    def test_a_key_never_changes_the_email(self, make_user, api_key_client, scope):
        user = make_user()
        response = api_key_client(scope, user=user).patch(
            ME, {"email": "new@example.com"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        user.refresh_from_db()
        assert user.pending_email is None

    def test_a_key_may_send_the_unchanged_email_back(self, make_user, api_key_client):
        user = make_user(email="same@example.com")
        response = api_key_client("user:write", user=user).patch(
            ME, {"email": "Same@Example.com", "first_name": "X"}, format="json"
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.email, user.pending_email) == ("same@example.com", None)

    def test_a_key_cannot_probe_which_addresses_are_taken(self, make_user, api_key_client):
        make_user(email="taken@example.com")
        response = api_key_client("*").patch(ME, {"email": "taken@example.com"}, format="json")
        assert response.status_code == 403

    def test_a_key_changes_sensitive_profile_fields_without_freshness(
        self, make_user, api_key_client
    ):
        user = make_user()
        response = api_key_client("user:write", user=user).patch(
            ME, {"allow_impersonation": False}, format="json"
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.allow_impersonation is False

    @pytest.mark.parametrize("scope", ["user:write", "*"])
    def test_a_key_never_changes_the_password(self, make_user, api_key_client, scope):
        user = make_user()
        old_hash = user.password
        response = api_key_client(scope, user=user).patch(
            ME, {"password": "a brand new passphrase 99", "current_password": "x"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        user.refresh_from_db()
        assert user.password == old_hash

    def test_a_key_cannot_delete_the_account(self, make_user, api_key_client):
        user = make_user()
        response = api_key_client("*", user=user).delete(ME)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_a_session_write_without_the_csrf_token_is_refused(make_user):
    user = make_user()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.patch(ME, {"theme_mode": "dark"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    user.refresh_from_db()
    assert user.theme_mode is None
