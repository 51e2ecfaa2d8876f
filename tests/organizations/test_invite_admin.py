"""Staff manage invites and dashboards in the admin."""

import pytest
from django.test import Client

from organizations.models import Dashboard, OrganizationInvite


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Admin pages link static files; tests run without ``collectstatic``'s manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def delegation(make_user, session_client):
    owner = make_user(with_team=True)
    response = session_client(owner).post(
        f"/api/organizations/{owner.current_organization_id}/invites/delegate/",
        {"target_email": "cto@example.com"},
        format="json",
    )
    return owner, OrganizationInvite.objects.get(pk=response.json()["id"])


def test_the_invite_list_shows_target_level_and_expiry(admin_client, delegation):
    response = admin_client.get("/admin/organizations/organizationinvite/")
    assert response.status_code == 200
    assert b"cto@example.com" in response.content


def test_an_invite_page_is_read_only(admin_client, delegation):
    _, invite = delegation
    page = admin_client.get(f"/admin/organizations/organizationinvite/{invite.pk}/change/")
    assert page.status_code == 200
    assert b'name="target_email"' not in page.content
    assert admin_client.get("/admin/organizations/organizationinvite/add/").status_code == 403


def test_deleting_a_delegation_invite_in_the_admin_shows_onboarding_again(admin_client, delegation):
    owner, invite = delegation

    response = admin_client.post(
        f"/admin/organizations/organizationinvite/{invite.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not OrganizationInvite.objects.exists()
    owner.refresh_from_db()
    assert owner.onboarding_skipped_reason is None
    assert owner.onboarding_delegated_to_invite_id is None


def test_the_bulk_delete_action_goes_through_the_service_too(admin_client, delegation):
    owner, invite = delegation

    response = admin_client.post(
        "/admin/organizations/organizationinvite/",
        {"action": "delete_selected", "_selected_action": [str(invite.pk)], "post": "yes"},
    )

    assert response.status_code == 302
    assert not OrganizationInvite.objects.exists()
    owner.refresh_from_db()
    assert owner.onboarding_skipped_reason is None


def test_dashboards_are_listed_and_editable(admin_client, make_team):
    dashboard = Dashboard.objects.create(team=make_team(), name="Revenue")
    assert b"Revenue" in admin_client.get("/admin/organizations/dashboard/").content
    page = admin_client.get(f"/admin/organizations/dashboard/{dashboard.pk}/change/")
    assert page.status_code == 200
