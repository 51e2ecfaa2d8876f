"""Who may write the user resource: session freshness (SPEC §1.6) and API-key limits (§1.4)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

ME = "/api/users/@me/"

EXEMPT = {
    "theme_mode": "dark",
    "allow_sidebar_suggestions": True,
    "shortcut_position": "below",
    "has_seen_product_intro_for": {"surveys": True},
    "events_column_config": {"active": "DEFAULT"},
    "role_at_organization": "data",
}


class TestSessionFreshness:
    def test_a_sensitive_write_without_a_password_proof_needs_reauthentication(
        self, make_user, session_client
    ):
        user = make_user(first_name="Ada")
        response = session_client(user, fresh=False).patch(
            ME, {"first_name": "Grace"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "sensitive_action_required_reauth"
        user.refresh_from_db()
        assert user.first_name == "Ada"

    def test_a_proof_older_than_the_sensitive_age_needs_reauthentication(
        self, make_user, session_client
    ):
        client = session_client(make_user())
        with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
            response = client.patch(ME, {"first_name": "Grace"}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "sensitive_action_required_reauth"

    def test_a_proof_younger_than_the_sensitive_age_is_enough(self, make_user, session_client):
        client = session_client(make_user())
        with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=59)):
            response = client.patch(ME, {"first_name": "Grace"}, format="json")
        assert response.status_code == 200

    @pytest.mark.parametrize(("key", "value"), EXEMPT.items())
    def test_cosmetic_keys_need_no_fresh_proof(self, make_user, session_client, key, value):
        response = session_client(make_user(), fresh=False).patch(ME, {key: value}, format="json")
        assert response.status_code == 200, response.json()

    def test_switching_organization_needs_no_fresh_proof(self, make_user, session_client):
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

    def test_one_sensitive_key_among_cosmetic_ones_needs_a_fresh_proof(
        self, make_user, session_client
    ):
        response = session_client(make_user(), fresh=False).patch(
            ME, {**EXEMPT, "anonymize_data": True}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "sensitive_action_required_reauth"

    def test_put_follows_the_same_rule(self, make_user, session_client):
        client = session_client(make_user(), fresh=False)
        assert client.put(ME, {"theme_mode": "dark"}, format="json").status_code == 200
        assert client.put(ME, {"first_name": "G"}, format="json").status_code == 403

    def test_reading_needs_no_fresh_proof(self, make_user, session_client):
        assert session_client(make_user(), fresh=False).get(ME).status_code == 200


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
