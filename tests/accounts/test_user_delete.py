"""DELETE /api/users/{uuid}/: session only, fresh; organizations shared with others block it."""

from accounts.models import PersonalAPIKey, SecurityEvent, User
from accounts.services import security_events
from organizations.models import (
    Dashboard,
    Organization,
    OrganizationInvite,
    OrganizationMembership,
    Team,
)

ME = "/api/users/@me/"


def test_a_member_of_an_organization_with_others_cannot_delete_the_account(
    make_user, session_client
):
    user = make_user(with_team=True)
    colleague = make_user()
    OrganizationMembership.objects.create(
        organization=user.current_organization, user=colleague, level=1
    )

    response = session_client(user).delete(ME)

    assert response.status_code == 409
    assert (response.json()["type"], response.json()["code"]) == ("invalid_request", "conflict")
    assert User.objects.filter(pk=user.pk).exists()
    assert Organization.objects.filter(pk=user.current_organization_id).exists()


def test_the_only_member_deletes_the_account_with_its_organizations(
    make_user, make_team, session_client
):
    user = make_user(with_team=True)
    organization, team = user.current_organization, user.current_team
    second = make_team()  # another organization where the user is also alone
    OrganizationMembership.objects.create(organization=second.organization, user=user, level=15)
    Dashboard.objects.create(team=team, name="Mine")
    OrganizationInvite.objects.create(organization=organization, target_email="x@example.com")
    unrelated = make_user(with_team=True)

    response = session_client(user).delete(ME)

    assert response.status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Organization.objects.filter(pk__in=[organization.pk, second.organization_id])
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not OrganizationInvite.objects.filter(organization_id=organization.pk).exists()
    assert Organization.objects.filter(pk=unrelated.current_organization_id).exists()


def test_one_shared_organization_among_several_blocks_the_deletion(
    make_user, make_team, session_client
):
    user = make_user(with_team=True)
    shared = make_team()
    OrganizationMembership.objects.create(organization=shared.organization, user=user, level=8)
    OrganizationMembership.objects.create(organization=shared.organization, user=make_user())

    response = session_client(user).delete(ME)

    assert response.status_code == 409
    assert Organization.objects.filter(pk=user.current_organization_id).exists()


def test_the_account_and_what_it_owns_are_deleted(make_user, make_api_key, session_client):
    user = make_user()
    make_api_key("user:read", user=user)
    security_events.record(type=SecurityEvent.Type.LOGIN_SUCCEEDED, user=user)
    client = session_client(user)

    response = client.delete(ME)

    assert response.status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert not PersonalAPIKey.objects.filter(user_id=user.pk).exists()
    assert not SecurityEvent.objects.filter(user_id=user.pk).exists()
    assert client.get(ME).status_code == 401


def test_deleting_needs_a_fresh_session(make_user, session_client):
    user = make_user()
    response = session_client(user, fresh=False).delete(ME)
    assert response.status_code == 403
    assert response.json()["code"] == "sensitive_action_required_reauth"
    assert User.objects.filter(pk=user.pk).exists()


def test_staff_may_not_delete_another_account(make_user, session_client):
    staff, other = make_user(is_staff=True), make_user()
    response = session_client(staff).delete(f"/api/users/{other.uuid}/")
    assert response.status_code == 403
    assert User.objects.filter(pk=other.pk).exists()


def test_a_superuser_deletes_another_account_by_uuid(make_user, session_client):
    staff, other = make_user(is_staff=True, is_superuser=True), make_user()
    response = session_client(staff).delete(f"/api/users/{other.uuid}/")
    assert response.status_code == 204
    assert not User.objects.filter(pk=other.pk).exists()
    assert session_client(staff).get(ME).status_code == 200


def test_non_staff_cannot_delete_by_uuid(make_user, session_client):
    user, other = make_user(), make_user()
    response = session_client(user).delete(f"/api/users/{other.uuid}/")
    assert response.status_code == 403
    assert User.objects.filter(pk=other.pk).exists()
