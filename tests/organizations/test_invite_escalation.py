"""Invites never raise anyone's level (issue 15): the two reported attacks, and the rules."""

import threading

import pytest
from django.db import connection

from accounts.models import SecurityEvent
from organizations import errors, services
from organizations.models import OrganizationInvite, OrganizationMembership

MEMBER, ADMIN, OWNER = (OrganizationMembership.Level.MEMBER, 8, 15)


def delegate_url(organization_id):
    return f"/api/organizations/{organization_id}/invites/delegate/"


def accept_url(invite_id):
    return f"/api/invites/{invite_id}/accept/"


@pytest.fixture
def owner(make_user):
    return make_user(email="owner@example.com", with_team=True)


@pytest.fixture
def organization(owner):
    return owner.current_organization


@pytest.fixture
def add_member(make_user, organization):
    """A user added to the organization at ``level`` (as staff does in the admin)."""

    def add(email, level=MEMBER):
        user = make_user(email=email)
        OrganizationMembership.objects.create(organization=organization, user=user, level=level)
        return user

    return add


def level_read_back(client, organization):
    """The caller's level in the organization, as ``GET /api/users/@me/`` reports it."""
    response = client.get("/api/users/@me/")
    assert response.status_code == 200
    levels = {o["id"]: o["membership_level"] for o in response.json()["organizations"]}
    return levels.get(str(organization.pk))


def test_a_member_cannot_raise_their_own_level_with_a_delegation_to_themselves(
    add_member, organization, session_client
):
    member = add_member("member@example.com")
    client = session_client(member)

    response = client.post(
        delegate_url(organization.pk), {"target_email": "Member@Example.com"}, format="json"
    )

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("already_member", "target_email")
    assert not OrganizationInvite.objects.exists()
    assert level_read_back(client, organization) == MEMBER


def test_a_members_delegation_to_a_second_address_mints_only_a_member(
    add_member, organization, session_client, make_user
):
    member = add_member("member@example.com")
    response = session_client(member).post(
        delegate_url(organization.pk), {"target_email": "second@example.com"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["level"] == MEMBER
    second = make_user(email="second@example.com")
    second_client = session_client(second)

    assert second_client.post(accept_url(response.json()["id"])).status_code == 200

    assert level_read_back(second_client, organization) == MEMBER


@pytest.mark.parametrize(("creator_level", "invite_level"), [(ADMIN, ADMIN), (OWNER, ADMIN)])
def test_a_delegation_carries_the_creators_level_capped_at_admin(
    add_member, organization, session_client, creator_level, invite_level
):
    creator = add_member("creator@example.com", level=creator_level)
    response = session_client(creator).post(
        delegate_url(organization.pk), {"target_email": "cto@example.com"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["level"] == invite_level


def test_no_invite_is_created_above_its_creators_level(add_member, organization):
    admin = add_member("admin@example.com", level=ADMIN)
    with pytest.raises(errors.InviteLevelAboveCreatorError):
        services.create_invite(
            organization=organization, target_email="x@example.com", level=OWNER, created_by=admin
        )
    assert not OrganizationInvite.objects.exists()


@pytest.fixture
def admins_invite(add_member, organization, session_client, make_user):
    """An admin's delegation to cto@example.com, and a session of that (verified) address."""
    admin = add_member("admin@example.com", level=ADMIN)
    response = session_client(admin).post(
        delegate_url(organization.pk), {"target_email": "cto@example.com"}, format="json"
    )
    assert response.json()["level"] == ADMIN
    return admin, response.json()["id"], session_client(make_user(email="cto@example.com"))


def test_an_invite_whose_creator_was_demoted_is_refused_and_spent(admins_invite, organization):
    admin, invite_id, target_client = admins_invite
    OrganizationMembership.objects.filter(user=admin).update(level=MEMBER)

    response = target_client.post(accept_url(invite_id))

    assert response.status_code == 403
    assert response.json()["code"] == "invite_creator_not_entitled"
    assert level_read_back(target_client, organization) is None
    assert not OrganizationInvite.objects.filter(pk=invite_id).exists()
    assert target_client.post(accept_url(invite_id)).status_code == 404
    admin.refresh_from_db()
    assert admin.onboarding_delegated_to_invite_id is None
    assert admin.onboarding_skipped_reason is None  # the delegation did not happen
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.INVITE_REFUSED)
    assert event.context["reason"] == "invite_creator_not_entitled"
    assert event.context["spent"] is True


def test_an_invite_whose_creator_left_is_refused(admins_invite, organization):
    admin, invite_id, target_client = admins_invite
    OrganizationMembership.objects.filter(user=admin).delete()

    response = target_client.post(accept_url(invite_id))

    assert response.status_code == 403
    assert response.json()["code"] == "invite_creator_not_entitled"
    assert level_read_back(target_client, organization) is None


def test_an_invite_whose_creator_is_still_entitled_is_accepted(admins_invite, organization):
    admin, invite_id, target_client = admins_invite
    OrganizationMembership.objects.filter(user=admin).update(level=OWNER)
    assert target_client.post(accept_url(invite_id)).status_code == 200
    assert level_read_back(target_client, organization) == ADMIN


def test_invite_creation_acceptance_and_refusal_are_security_events(
    admins_invite, organization, session_client, make_user
):
    admin, invite_id, target_client = admins_invite
    stranger_client = session_client(make_user(email="stranger@example.com"))
    assert stranger_client.post(accept_url(invite_id)).status_code == 403
    assert target_client.post(accept_url(invite_id)).status_code == 200

    events = {e.type: e for e in SecurityEvent.objects.filter(type__startswith="invite_")}

    created = events[SecurityEvent.Type.INVITE_CREATED]
    assert created.user == admin
    assert created.context["level"] == ADMIN
    assert created.context["invite_id"] == invite_id
    assert created.context["organization_id"] == str(organization.pk)
    refused = events[SecurityEvent.Type.INVITE_REFUSED]
    assert refused.user.email == "stranger@example.com"
    assert (refused.context["stage"], refused.context["reason"]) == ("accept", "permission_denied")
    accepted = events[SecurityEvent.Type.INVITE_ACCEPTED]
    assert accepted.user.email == "cto@example.com"
    assert accepted.context["level"] == ADMIN


def test_a_refused_creation_is_a_security_event_and_keeps_the_pending_delegation(
    add_member, organization, session_client
):
    member = add_member("member@example.com")
    client = session_client(member)
    first = client.post(
        delegate_url(organization.pk), {"target_email": "cto@example.com"}, format="json"
    ).json()["id"]

    response = client.post(
        delegate_url(organization.pk), {"target_email": "member@example.com"}, format="json"
    )

    assert response.status_code == 400
    assert list(OrganizationInvite.objects.values_list("pk", flat=True)) == [
        OrganizationInvite.objects.get(pk=first).pk
    ]
    member.refresh_from_db()
    assert str(member.onboarding_delegated_to_invite_id) == first
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.INVITE_REFUSED)
    assert (event.user, event.context["stage"], event.context["reason"]) == (
        member,
        "create",
        "already_member",
    )


def test_revoking_is_a_security_event(admins_invite, organization, session_client):
    admin, invite_id, _ = admins_invite
    response = session_client(admin).delete(
        f"/api/organizations/{organization.pk}/invites/{invite_id}/"
    )
    assert response.status_code == 204
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.INVITE_REVOKED)
    assert (event.user, event.context["invite_id"]) == (admin, invite_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_invites_accepted_at_once_make_one_membership(make_user, session_client):
    owner = make_user(with_team=True)
    organization = owner.current_organization
    admin = make_user(email="admin@example.com")
    OrganizationMembership.objects.create(organization=organization, user=admin, level=ADMIN)
    invites = [
        services.create_invite(
            organization=organization, target_email="cto@example.com", level=level, created_by=by
        )
        for level, by in ((MEMBER, owner), (ADMIN, admin))
    ]
    target = make_user(email="cto@example.com")
    clients = [session_client(target), session_client(target)]

    responses = _race(
        *[lambda c=c, i=i: c.post(accept_url(i.pk)) for c, i in zip(clients, invites, strict=True)]
    )

    assert sorted(r.status_code for r in responses) == [200, 400]
    assert [r.json()["code"] for r in responses if r.status_code == 400] == ["already_member"]
    assert (
        OrganizationMembership.objects.filter(organization=organization, user=target).count() == 1
    )


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
