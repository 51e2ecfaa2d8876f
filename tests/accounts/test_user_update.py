"""PATCH/PUT /api/users/{uuid}/: the writable fields, their choices and their rules."""

import uuid

import pytest

from accounts.models import User
from organizations.models import OrganizationMembership

ME = "/api/users/@me/"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Grace"),
        ("last_name", "Hopper"),
        ("last_name", ""),
        ("anonymize_data", True),
        ("anonymize_data", None),
        ("allow_impersonation", False),
        ("allow_impersonation", None),
        ("toolbar_mode", "disabled"),
        ("events_column_config", {"active": ["person", "url"]}),
        ("has_seen_product_intro_for", {"feature_flags": True}),
        ("has_seen_product_intro_for", None),
        ("theme_mode", "dark"),
        ("theme_mode", None),
        ("hedgehog_config", {"enabled": True, "color": "green"}),
        ("allow_sidebar_suggestions", True),
        ("shortcut_position", "hidden"),
        ("role_at_organization", "engineering"),
        ("role_at_organization", None),
        ("passkeys_enabled_for_2fa", False),
    ],
)
def test_each_writable_field_is_stored_and_returned(make_user, session_client, field, value):
    user = make_user()

    response = session_client(user).patch(ME, {field: value}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()[field] == value
    user.refresh_from_db()
    assert getattr(user, field) == value


@pytest.mark.parametrize(
    "field",
    ["toolbar_mode", "theme_mode", "shortcut_position", "role_at_organization"],
)
def test_values_outside_a_fields_choices_are_refused(make_user, session_client, field):
    response = session_client(make_user()).patch(ME, {field: "purple"}, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("invalid_choice", field)


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_names_are_at_most_150_characters(make_user, session_client, field):
    client = session_client(make_user())
    assert client.patch(ME, {field: "x" * 150}, format="json").status_code == 200
    response = client.patch(ME, {field: "x" * 151}, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("max_length", field)


def test_only_the_sent_fields_change(make_user, session_client):
    user = make_user(first_name="Ada", last_name="Lovelace", theme_mode="dark")
    session_client(user).patch(ME, {"first_name": "Augusta"}, format="json")
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.theme_mode) == ("Augusta", "Lovelace", "dark")


def test_put_changes_only_the_sent_fields_too(make_user, session_client):
    user = make_user(first_name="Ada", last_name="Lovelace")
    response = session_client(user).put(ME, {"last_name": "King"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Ada", "King")


def test_read_only_fields_cannot_be_forged(make_user, session_client):
    user = make_user(is_email_verified=False)
    before = User.objects.get(pk=user.pk)
    forged = {
        "id": 999,
        "uuid": str(uuid.uuid4()),
        "distinct_id": "forged",
        "date_joined": "2000-01-01T00:00:00Z",
        "is_email_verified": True,
        "pending_email": "forged@example.com",
        "has_password": False,
        "is_2fa_enabled": True,
        "onboarding_skipped_at": "2024-01-01T00:00:00Z",
        "onboarding_skipped_reason": "later",
        "onboarding_delegation_accepted_at": "2024-01-01T00:00:00Z",
        "onboarding_delegated_to_invite": str(uuid.uuid4()),
        "is_organization_first_user": True,
        "theme_mode": "light",
    }

    response = session_client(user).patch(ME, forged, format="json")

    assert response.status_code == 200
    after = User.objects.get(pk=user.pk)
    for name in (
        "id",
        "uuid",
        "distinct_id",
        "date_joined",
        "is_email_verified",
        "pending_email",
        "password",
        "onboarding_skipped_at",
        "onboarding_skipped_reason",
        "onboarding_delegation_accepted_at",
        "onboarding_delegated_to_invite_id",
    ):
        assert getattr(after, name) == getattr(before, name), name
    assert after.theme_mode == "light"


class TestNotificationSettings:
    def test_only_the_sent_keys_change(self, make_user, session_client):
        user = make_user(notification_settings={"plugin_disabled": False})
        client = session_client(user)

        response = client.patch(
            ME, {"notification_settings": {"security_alerts": False}}, format="json"
        )

        assert response.status_code == 200
        settings = response.json()["notification_settings"]
        assert settings["plugin_disabled"] is False  # kept from before
        assert settings["security_alerts"] is False  # just sent
        assert settings["discussions_mentioned"] is True  # default
        user.refresh_from_db()
        assert user.notification_settings == {"plugin_disabled": False, "security_alerts": False}

    def test_per_project_digests_take_a_map_of_booleans(self, make_user, session_client):
        client = session_client(make_user())
        value = {"project_weekly_digest_disabled": {"12": True}}
        response = client.patch(ME, {"notification_settings": value}, format="json")
        assert response.status_code == 200
        assert response.json()["notification_settings"]["project_weekly_digest_disabled"] == {
            "12": True
        }

    def test_an_unknown_key_is_refused(self, make_user, session_client):
        response = session_client(make_user()).patch(
            ME, {"notification_settings": {"no_such_setting": True}}, format="json"
        )
        assert response.status_code == 400
        assert (response.json()["code"], response.json()["attr"]) == (
            "unknown_key",
            "notification_settings__no_such_setting",
        )

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("plugin_disabled", "yes"),
            ("plugin_disabled", 1),
            ("plugin_disabled", None),
            ("project_weekly_digest_disabled", True),
            ("project_weekly_digest_disabled", {"12": "yes"}),
        ],
    )
    def test_a_value_of_the_wrong_type_is_refused(self, make_user, session_client, key, value):
        user = make_user()
        response = session_client(user).patch(
            ME, {"notification_settings": {key: value}}, format="json"
        )
        assert response.status_code == 400
        assert (response.json()["code"], response.json()["attr"]) == (
            "wrong_type",
            f"notification_settings__{key}",
        )
        user.refresh_from_db()
        assert user.notification_settings == {}

    def test_settings_must_be_an_object(self, make_user, session_client):
        response = session_client(make_user()).patch(
            ME, {"notification_settings": ["plugin_disabled"]}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["attr"] == "notification_settings"


class TestStaffStatus:
    @pytest.mark.parametrize("value", [True, False])
    def test_non_staff_may_not_send_it_at_all(self, make_user, session_client, value):
        user = make_user()
        response = session_client(user).patch(ME, {"is_staff": value}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        user.refresh_from_db()
        assert user.is_staff is False

    def test_staff_may_not_grant_it_to_another_user(self, make_user, session_client):
        staff, other = make_user(is_staff=True), make_user()
        response = session_client(staff).patch(
            f"/api/users/{other.uuid}/", {"is_staff": True}, format="json"
        )
        assert response.status_code == 403
        other.refresh_from_db()
        assert other.is_staff is False

    def test_a_superusers_fresh_session_may_grant_it(self, make_user, session_client):
        superuser, other = make_user(is_staff=True, is_superuser=True), make_user()
        response = session_client(superuser).patch(
            f"/api/users/{other.uuid}/", {"is_staff": True}, format="json"
        )
        assert response.status_code == 200
        other.refresh_from_db()
        assert other.is_staff is True

    def test_a_non_staff_api_key_may_not_send_it_either(self, make_user, api_key_client):
        response = api_key_client("user:write", user=make_user()).patch(
            ME, {"is_staff": True}, format="json"
        )
        assert response.status_code == 403


class TestCurrentOrganizationAndTeam:
    def _second_organization(self, user, make_team, level=1):
        team = make_team()
        OrganizationMembership.objects.create(
            organization=team.organization, user=user, level=level
        )
        return team.organization, team

    def test_switching_organization_moves_to_its_first_team(
        self, make_user, make_team, session_client
    ):
        user = make_user(with_team=True)
        organization, team = self._second_organization(user, make_team)

        response = session_client(user).patch(
            ME, {"set_current_organization": str(organization.pk)}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["organization"]["id"] == str(organization.pk)
        assert response.json()["organization"]["membership_level"] == 1
        assert response.json()["team"]["id"] == team.pk
        user.refresh_from_db()
        assert (user.current_organization_id, user.current_team_id) == (organization.pk, team.pk)

    def test_switching_team_follows_with_its_organization(
        self, make_user, make_team, session_client
    ):
        user = make_user(with_team=True)
        organization, team = self._second_organization(user, make_team)

        response = session_client(user).patch(ME, {"set_current_team": team.pk}, format="json")

        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.current_organization_id, user.current_team_id) == (organization.pk, team.pk)

    def test_both_together_when_the_team_belongs_to_the_organization(
        self, make_user, make_team, session_client
    ):
        user = make_user(with_team=True)
        organization, _ = self._second_organization(user, make_team)
        other_team = make_team(organization=organization, name="Second project")

        response = session_client(user).patch(
            ME,
            {"set_current_organization": str(organization.pk), "set_current_team": other_team.pk},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["team"]["id"] == other_team.pk

    def test_an_organization_the_user_is_not_in_does_not_exist(
        self, make_user, make_organization, session_client
    ):
        user = make_user(with_team=True)
        stranger_org = make_organization()
        response = session_client(user).patch(
            ME, {"set_current_organization": str(stranger_org.pk)}, format="json"
        )
        assert response.status_code == 400
        assert (response.json()["code"], response.json()["attr"]) == (
            "does_not_exist",
            "set_current_organization",
        )

    def test_an_inaccessible_team_does_not_exist(self, make_user, make_team, session_client):
        user = make_user(with_team=True)
        response = session_client(user).patch(
            ME, {"set_current_team": make_team().pk}, format="json"
        )
        assert response.status_code == 400
        assert (response.json()["code"], response.json()["attr"]) == (
            "does_not_exist",
            "set_current_team",
        )

    def test_a_team_of_another_organization_is_refused_with_both(
        self, make_user, make_team, session_client
    ):
        user = make_user(with_team=True)
        organization, _ = self._second_organization(user, make_team)

        response = session_client(user).patch(
            ME,
            {
                "set_current_organization": str(organization.pk),
                "set_current_team": user.current_team_id,
            },
            format="json",
        )

        assert response.status_code == 400
        assert (response.json()["code"], response.json()["attr"]) == (
            "does_not_exist",
            "set_current_team",
        )
        user.refresh_from_db()
        assert user.current_organization_id != organization.pk

    @pytest.mark.parametrize("value", ["not-a-uuid", 12, None])
    def test_a_malformed_organization_id_is_a_400(self, make_user, session_client, value):
        response = session_client(make_user(with_team=True)).patch(
            ME, {"set_current_organization": value}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["attr"] == "set_current_organization"


def test_passkeys_cannot_be_turned_on_without_a_passkey(make_user, session_client):
    user = make_user()
    response = session_client(user).patch(ME, {"passkeys_enabled_for_2fa": True}, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == (
        "no_passkeys",
        "passkeys_enabled_for_2fa",
    )
    user.refresh_from_db()
    assert user.passkeys_enabled_for_2fa is False


def test_a_failed_validation_changes_nothing(make_user, session_client):
    user = make_user(first_name="Ada")
    response = session_client(user).patch(
        ME, {"first_name": "Grace", "theme_mode": "purple"}, format="json"
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.first_name == "Ada"


def test_staff_edit_another_user_by_uuid(make_user, session_client):
    staff, other = make_user(is_staff=True), make_user()
    response = session_client(staff).patch(
        f"/api/users/{other.uuid}/", {"first_name": "Edited"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["uuid"] == str(other.uuid)
    other.refresh_from_db()
    assert other.first_name == "Edited"


def test_non_staff_cannot_edit_by_uuid(make_user, session_client):
    user = make_user()
    response = session_client(user).patch(
        f"/api/users/{user.uuid}/", {"first_name": "Edited"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
