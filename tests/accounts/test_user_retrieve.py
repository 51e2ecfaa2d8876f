"""GET /api/users/{uuid}/: the representation, the @me and staff rules, the query budget."""

import uuid

import pytest
from django_otp import device_classes

from organizations.models import OrganizationMembership

REPRESENTATION_KEYS = {
    "id",
    "uuid",
    "distinct_id",
    "date_joined",
    "first_name",
    "last_name",
    "email",
    "pending_email",
    "is_email_verified",
    "notification_settings",
    "anonymize_data",
    "allow_impersonation",
    "toolbar_mode",
    "has_password",
    "is_staff",
    "sensitive_session_expires_at",
    "fresh_reauth_expires_at",
    "team",
    "organization",
    "organizations",
    "events_column_config",
    "is_2fa_enabled",
    "has_seen_product_intro_for",
    "scene_personalisation",
    "theme_mode",
    "hedgehog_config",
    "allow_sidebar_suggestions",
    "shortcut_position",
    "role_at_organization",
    "passkeys_enabled_for_2fa",
    "onboarding_skipped_at",
    "onboarding_skipped_reason",
    "onboarding_skipped_organization_id",
    "onboarding_delegated_to_invite",
    "onboarding_delegation_accepted_at",
    "onboarding_delegated_to_organization_id",
    "is_organization_first_user",
}


def test_me_answers_with_the_full_representation(make_user, session_client):
    user = make_user(with_team=True, first_name="Ada", last_name="Lovelace")
    response = session_client(user).get("/api/users/@me/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == REPRESENTATION_KEYS
    assert body["uuid"] == str(user.uuid)
    assert body["email"] == user.email
    assert (body["first_name"], body["last_name"]) == ("Ada", "Lovelace")
    assert body["has_password"] is True
    assert body["shortcut_position"] == "above"
    assert body["is_2fa_enabled"] is False
    assert body["notification_settings"]["plugin_disabled"] is True
    assert body["sensitive_session_expires_at"] is not None
    assert body["fresh_reauth_expires_at"] is not None


def test_nested_organization_and_team_have_the_documented_types(make_user, session_client):
    user = make_user(with_team=True)
    organization, team = user.current_organization, user.current_team

    body = session_client(user).get("/api/users/@me/").json()

    assert body["organization"] == {
        "id": str(organization.pk),
        "name": organization.name,
        "slug": organization.slug,
        "membership_level": 15,
        "created_at": body["organization"]["created_at"],
    }
    assert body["organizations"] == [
        {
            "id": str(organization.pk),
            "name": organization.name,
            "slug": organization.slug,
            "membership_level": 15,
        }
    ]
    assert body["team"] == {
        "id": team.pk,
        "uuid": str(team.uuid),
        "organization": str(organization.pk),
        "name": team.name,
    }
    assert body["is_organization_first_user"] is True


def test_a_member_who_joined_later_is_not_the_first_user(make_user, session_client):
    founder = make_user(with_team=True)
    joiner = make_user()
    OrganizationMembership.objects.create(
        organization=founder.current_organization, user=joiner, level=1
    )
    joiner.current_organization = founder.current_organization
    joiner.save(update_fields=["current_organization"])

    body = session_client(joiner).get("/api/users/@me/").json()

    assert body["is_organization_first_user"] is False
    assert body["organization"]["membership_level"] == 1
    assert body["team"] is None


def test_without_an_organization_the_nested_values_are_empty(make_user, session_client):
    body = session_client(make_user()).get("/api/users/@me/").json()
    assert (body["organization"], body["team"], body["organizations"]) == (None, None, [])
    assert body["is_organization_first_user"] is False


def test_a_non_staff_caller_cannot_use_a_uuid_even_their_own(make_user, session_client):
    user, other = make_user(), make_user()
    client = session_client(user)

    for value in (user.uuid, other.uuid, uuid.uuid4(), "not-a-uuid"):
        response = client.get(f"/api/users/{value}/")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_staff_read_any_active_user_by_uuid(make_user, session_client):
    staff, other = make_user(is_staff=True), make_user()
    response = session_client(staff).get(f"/api/users/{other.uuid}/")

    assert response.status_code == 200
    assert response.json()["email"] == other.email
    # Session ages belong to the caller's own representation only.
    assert response.json()["sensitive_session_expires_at"] is None


@pytest.mark.parametrize("value", ["unknown", "malformed", "inactive"])
def test_staff_get_404_for_unknown_malformed_or_inactive_users(make_user, session_client, value):
    staff = make_user(is_staff=True)
    inactive = make_user(is_active=False)
    target = {"unknown": uuid.uuid4(), "malformed": "12345-nope", "inactive": inactive.uuid}[value]

    response = session_client(staff).get(f"/api/users/{target}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_anonymous_callers_are_told_to_authenticate(api_client, db):
    response = api_client.get("/api/users/@me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"]


def test_a_path_without_its_trailing_slash_is_a_404_not_a_redirect(make_user, session_client):
    response = session_client(make_user()).get("/api/users/@me")
    assert response.status_code == 404


@pytest.mark.parametrize("scope", ["user:read", "user:write", "*"])
def test_api_keys_with_a_read_scope_may_read(make_user, api_key_client, scope):
    user = make_user()
    response = api_key_client(scope, user=user).get("/api/users/@me/")

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert response.json()["sensitive_session_expires_at"] is None


def test_an_api_key_without_scopes_is_refused(make_user, api_key_client):
    response = api_key_client(user=make_user()).get("/api/users/@me/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def _budget(auth_queries: int) -> int:
    """Authentication + 3 for the representation + one per django-otp device type (2FA flag)."""
    return auth_queries + 3 + len(list(device_classes()))


def test_me_costs_a_fixed_number_of_queries_with_a_session(
    make_user, session_client, django_assert_max_num_queries
):
    user = make_user(with_team=True)
    client = session_client(user)

    # The session itself is served from the cache; loading its user is one query.
    with django_assert_max_num_queries(_budget(auth_queries=1)):
        assert client.get("/api/users/@me/").status_code == 200


def test_me_costs_a_fixed_number_of_queries_with_an_api_key(
    make_user, api_key_client, django_assert_max_num_queries
):
    user = make_user(with_team=True)
    client = api_key_client("user:read", user=user)

    # Key lookup with its user, plus the first-use stamp of last_used_at.
    with django_assert_max_num_queries(_budget(auth_queries=2)):
        assert client.get("/api/users/@me/").status_code == 200
