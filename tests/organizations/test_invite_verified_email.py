"""Invites are accepted only by a verified address; the first verification ends other sessions
(issue 17 item 3)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import SecurityEvent, User
from organizations.models import OrganizationInvite, OrganizationMembership
from tests.accounts.email_support import REQUEST_URL, VERIFY_URL, code_in
from tests.conftest import PASSWORD

VICTIM = "victim@example.com"


@pytest.fixture
def invite(make_user, session_client):
    """An owner's setup delegation (level admin) to the victim's address."""
    owner = make_user(with_team=True)
    response = session_client(owner).post(
        f"/api/organizations/{owner.current_organization_id}/invites/delegate/",
        {"target_email": VICTIM},
        format="json",
    )
    assert response.status_code == 201
    return OrganizationInvite.objects.get(pk=response.json()["id"])


@pytest.fixture
def squatter(db):
    """Someone who signed up with the victim's address before the victim: logged in, unverified."""
    client = APIClient()
    response = client.post(
        "/api/signup/",
        {"email": VICTIM, "password": PASSWORD, "first_name": "Squatter"},
        format="json",
    )
    assert response.status_code == 201
    assert client.get("/api/users/@me/").json()["is_email_verified"] is False
    return client


def organizations_of(client):
    return [o["id"] for o in client.get("/api/users/@me/").json()["organizations"]]


def test_an_unverified_address_cannot_accept_an_invite(invite, squatter):
    response = squatter.post(f"/api/invites/{invite.pk}/accept/")

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert str(invite.organization_id) not in organizations_of(squatter)
    assert not OrganizationMembership.objects.filter(
        organization=invite.organization, user__email=VICTIM
    ).exists()
    assert OrganizationInvite.objects.filter(pk=invite.pk).exists()  # still the owner's to take
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.INVITE_REFUSED)
    assert event.context["reason"] == "email_not_verified"


def test_the_first_verification_ends_every_other_session_then_the_owner_may_accept(
    invite, squatter, django_capture_on_commit_callbacks, mailoutbox
):
    user = User.objects.get(email=VICTIM)
    owner_client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(REQUEST_URL, {"uuid": str(user.uuid)}, format="json")
    code = code_in(mailoutbox[-1])

    response = owner_client.post(VERIFY_URL, {"uuid": str(user.uuid), "code": code}, format="json")

    assert response.status_code == 200
    assert squatter.get("/api/users/@me/").status_code in (401, 403)
    assert squatter.post(f"/api/invites/{invite.pk}/accept/").status_code in (401, 403)
    assert owner_client.get("/api/users/@me/").json()["is_email_verified"] is True
    assert owner_client.post(f"/api/invites/{invite.pk}/accept/").status_code == 200
    assert str(invite.organization_id) in organizations_of(owner_client)
