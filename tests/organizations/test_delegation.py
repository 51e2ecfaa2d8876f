"""Setup delegation: delegate, accept and revoke an invite (docs/api.md §2.1)."""

import functools
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from accounts.models import User
from organizations.models import Organization, OrganizationInvite, OrganizationMembership, Team

ADMIN = OrganizationMembership.Level.ADMIN


def delegate_url(organization_id):
    return f"/api/organizations/{organization_id}/invites/delegate/"


def accept_url(invite_id):
    return f"/api/invites/{invite_id}/accept/"


def invite_url(organization_id, invite_id):
    return f"/api/organizations/{organization_id}/invites/{invite_id}/"


@pytest.fixture
def owner(make_user):
    return make_user(with_team=True, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def organization(owner):
    return owner.current_organization


@pytest.fixture
def client(session_client, owner):
    return session_client(owner)


@pytest.fixture
def delegate(client, organization):
    def send(body=None, c=None, org_id=None):
        return (c or client).post(
            delegate_url(org_id or organization.pk),
            {"target_email": "cto@example.com"} if body is None else body,
            format="json",
        )

    return send


@pytest.fixture
def sent_emails(queued_emails):
    """Emails handed to the task queue, after commit."""
    return queued_emails


# --- Delegate ------------------------------------------------------------------------------------


def test_delegating_creates_an_admin_setup_invite_and_marks_onboarding_delegated(
    delegate, owner, organization
):
    response = delegate({"target_email": "cto@example.com", "message": "Please set us up"})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "target_email",
        "level",
        "is_setup_delegation",
        "message",
        "created_at",
        "is_expired",
    }
    assert body["target_email"] == "cto@example.com"
    assert body["level"] == ADMIN
    assert body["is_setup_delegation"] is True
    assert body["message"] == "Please set us up"
    assert body["is_expired"] is False
    invite = OrganizationInvite.objects.get(pk=body["id"])
    assert (invite.organization_id, invite.created_by_id) == (organization.pk, owner.pk)
    owner.refresh_from_db()
    assert owner.onboarding_skipped_reason == "delegated"
    assert owner.onboarding_skipped_at is not None
    assert owner.onboarding_skipped_organization_id == organization.pk
    assert owner.onboarding_delegated_to_organization_id == organization.pk
    assert owner.onboarding_delegated_to_invite_id == invite.pk
    assert owner.onboarding_delegation_accepted_at is None


def test_the_invite_email_is_queued_after_commit(
    delegate, organization, django_capture_on_commit_callbacks, sent_emails
):
    with django_capture_on_commit_callbacks(execute=True):
        response = delegate({"target_email": "CTO@Example.com", "message": "hi"})

    (kwargs,) = sent_emails
    assert kwargs["template"] == "delegation_invite"
    assert kwargs["to"] == "cto@example.com"
    assert kwargs["context"] == {
        "inviter_name": "Ada Lovelace",
        "inviter_email": organization.memberships.get().user.email,
        "organization_name": organization.name,
        "message": "hi",
        "invite_id": response.json()["id"],
        "target_email": "cto@example.com",
    }


def test_a_refused_delegation_queues_nothing(
    delegate, django_capture_on_commit_callbacks, sent_emails
):
    with django_capture_on_commit_callbacks(execute=True):
        assert delegate({"target_email": "nope"}).status_code == 400
    assert sent_emails == []


def test_a_new_delegation_replaces_the_pending_one(delegate, owner):
    first = delegate({"target_email": "first@example.com"}).json()["id"]
    second = delegate({"target_email": "second@example.com"}).json()["id"]

    assert list(OrganizationInvite.objects.values_list("pk", flat=True)) == [
        OrganizationInvite.objects.get(pk=second).pk
    ]
    assert not OrganizationInvite.objects.filter(pk=first).exists()
    owner.refresh_from_db()
    assert str(owner.onboarding_delegated_to_invite_id) == second


def test_blank_optional_fields_are_accepted(delegate):
    response = delegate({"target_email": "a@example.com", "message": "", "step_at_delegation": ""})
    assert response.status_code == 201
    assert response.json()["message"] == ""


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "target_email", "required"),
        ({"target_email": None}, "target_email", "null"),
        ({"target_email": ""}, "target_email", "blank"),
        ({"target_email": "not-an-email"}, "target_email", "invalid_input"),
        ({"target_email": ["a@example.com"]}, "target_email", "invalid_input"),
        ({"target_email": "a" * 300 + "@example.com"}, "target_email", "max_length"),
        ({"target_email": "a@example.com", "message": "m" * 1001}, "message", "max_length"),
        ({"target_email": "a@example.com", "message": {"a": 1}}, "message", "invalid_input"),
        (
            {"target_email": "a@example.com", "step_at_delegation": "s" * 65},
            "step_at_delegation",
            "max_length",
        ),
    ],
)
def test_invalid_bodies_are_refused(delegate, owner, body, attr, code):
    response = delegate(body)

    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == (attr, code)
    assert not OrganizationInvite.objects.exists()
    owner.refresh_from_db()
    assert owner.onboarding_skipped_reason is None


def test_limits_are_inclusive(delegate):
    body = {"target_email": "a@example.com", "message": "m" * 1000, "step_at_delegation": "s" * 64}
    assert delegate(body).status_code == 201


@pytest.mark.parametrize("raw", ["[]", '"a@example.com"', "7", "null"])
def test_a_body_that_is_not_an_object_is_a_validation_error(client, organization, raw):
    response = client.post(delegate_url(organization.pk), raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_a_non_member_is_refused(delegate, session_client, make_user):
    stranger = session_client(make_user(with_team=True))
    response = delegate(c=stranger)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not OrganizationInvite.objects.exists()


def test_staff_must_be_members_too(delegate, session_client, make_user):
    response = delegate(c=session_client(make_user(is_staff=True)))
    assert response.status_code == 403


def test_an_unknown_organization_is_refused_like_a_foreign_one(delegate):
    response = delegate(org_id="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 403


@pytest.mark.parametrize("org_id", ["not-a-uuid", "123", "%00"])
def test_a_malformed_organization_id_is_404(delegate, org_id):
    assert delegate(org_id=org_id).status_code == 404


def test_a_malformed_id_answers_the_contracts_json_404(client, session_client, target):
    for response in (
        client.post(delegate_url("not-a-uuid"), {}, format="json"),
        client.delete(invite_url("not-a-uuid", "nope")),
        session_client(target).post(accept_url("NOT-A-UUID")),
    ):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Not found.",
            "attr": None,
        }


def test_membership_is_checked_before_the_body(delegate, session_client, make_user):
    response = delegate({"target_email": 5}, c=session_client(make_user()))
    assert response.status_code == 403


def test_api_keys_are_refused(delegate, api_key_client, owner):
    response = delegate(c=api_key_client("*", user=owner))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_callers_are_401(delegate, api_client):
    assert delegate(c=api_client).status_code == 401


def test_delegation_is_throttled_per_user(settings, delegate):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "onboarding_delegate": "1/hour"},
    }
    assert delegate().status_code == 201
    response = delegate()
    assert response.status_code == 429
    assert "Retry-After" in response


# --- Accept --------------------------------------------------------------------------------------


@pytest.fixture
def target(make_user):
    return make_user(email="cto@example.com")


def test_accepting_a_delegation_joins_as_admin_and_tells_the_delegator(
    delegate, owner, organization, target, session_client
):
    invite_id = delegate({"target_email": "CTO@example.com"}).json()["id"]

    response = session_client(target).post(accept_url(invite_id))

    assert response.status_code == 200
    body = response.json()
    first_team = Team.objects.filter(organization=organization).order_by("id").first()
    assert body["uuid"] == str(target.uuid)
    assert body["organization"]["id"] == str(organization.pk)
    assert body["organization"]["membership_level"] == ADMIN
    assert body["team"]["id"] == first_team.pk
    assert OrganizationMembership.objects.get(organization=organization, user=target).level == ADMIN
    assert not OrganizationInvite.objects.filter(pk=invite_id).exists()
    owner.refresh_from_db()
    assert owner.onboarding_delegation_accepted_at is not None
    assert owner.onboarding_delegated_to_organization_id is None
    assert owner.onboarding_delegated_to_invite_id is None
    assert owner.onboarding_skipped_reason == "delegated"
    assert owner.onboarding_skipped_organization_id == organization.pk


def test_an_invite_can_be_accepted_once(delegate, target, session_client):
    invite_id = delegate().json()["id"]
    target_client = session_client(target)
    assert target_client.post(accept_url(invite_id)).status_code == 200
    assert target_client.post(accept_url(invite_id)).status_code == 404


def test_the_current_team_is_the_organizations_first(
    delegate, organization, target, session_client
):
    first = organization.teams.order_by("id").first()
    Team.objects.create(organization=organization, name="Second")
    invite_id = delegate().json()["id"]
    response = session_client(target).post(accept_url(invite_id))
    assert response.json()["team"]["id"] == first.pk


def test_an_organization_without_team_leaves_no_current_team(
    delegate, organization, target, session_client
):
    invite_id = delegate().json()["id"]
    Team.objects.filter(organization=organization).delete()
    response = session_client(target).post(accept_url(invite_id))
    assert response.status_code == 200
    assert response.json()["team"] is None
    assert response.json()["organization"]["id"] == str(organization.pk)


def test_an_invite_to_a_members_address_is_refused(delegate, organization, target):
    OrganizationMembership.objects.create(organization=organization, user=target, level=1)

    response = delegate({"target_email": "CTO@example.com"})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("already_member", "target_email")
    assert not OrganizationInvite.objects.exists()
    assert OrganizationMembership.objects.get(organization=organization, user=target).level == 1


def test_accepting_as_a_member_since_the_invite_was_sent_changes_nothing(
    delegate, organization, target, session_client
):
    invite_id = delegate().json()["id"]
    OrganizationMembership.objects.create(organization=organization, user=target, level=1)

    response = session_client(target).post(accept_url(invite_id))

    assert response.status_code == 400
    assert response.json()["code"] == "already_member"
    assert OrganizationMembership.objects.get(organization=organization, user=target).level == 1


def test_only_the_invited_address_may_accept(delegate, owner, session_client, make_user):
    invite_id = delegate().json()["id"]

    response = session_client(make_user(email="intruder@example.com")).post(accept_url(invite_id))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert OrganizationInvite.objects.filter(pk=invite_id).exists()
    owner.refresh_from_db()
    assert owner.onboarding_delegation_accepted_at is None


def test_the_delegator_cannot_accept_their_own_delegation(delegate, client):
    invite_id = delegate().json()["id"]
    assert client.post(accept_url(invite_id)).status_code == 403


def test_an_expired_invite_cannot_be_accepted(delegate, target, session_client):
    invite_id = delegate().json()["id"]
    target_client = session_client(target)

    with time_machine.travel(datetime.now(tz=UTC) + timedelta(days=3, minutes=1)):
        response = target_client.post(accept_url(invite_id))

    assert response.status_code == 400
    assert response.json()["code"] == "invite_expired"
    assert not OrganizationMembership.objects.filter(user=target).exists()


def test_an_invite_is_still_valid_just_before_three_days(delegate, target, session_client):
    invite_id = delegate().json()["id"]
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(days=3) - timedelta(minutes=1)):
        assert session_client(target).post(accept_url(invite_id)).status_code == 200


@pytest.mark.parametrize("invite_id", ["nope", "00000000-0000-0000-0000-000000000000", "1"])
def test_an_unknown_or_malformed_invite_is_404(session_client, target, invite_id):
    assert session_client(target).post(accept_url(invite_id)).status_code == 404


def test_accepting_with_an_api_key_is_refused(delegate, api_key_client, target):
    invite_id = delegate().json()["id"]
    response = api_key_client("*", user=target).post(accept_url(invite_id))
    assert response.status_code == 403
    assert OrganizationInvite.objects.filter(pk=invite_id).exists()


def test_accepting_anonymously_is_401(delegate, api_client):
    invite_id = delegate().json()["id"]
    assert api_client.post(accept_url(invite_id)).status_code == 401


def test_a_plain_invite_joins_at_its_level_without_touching_anyone_elses_onboarding(
    owner, organization, target, session_client
):
    invite = OrganizationInvite.objects.create(
        organization=organization, target_email=target.email, level=1, created_by=owner
    )
    response = session_client(target).post(accept_url(invite.pk))
    assert response.status_code == 200
    assert response.json()["organization"]["membership_level"] == 1
    owner.refresh_from_db()
    assert owner.onboarding_delegation_accepted_at is None


# --- Revoke --------------------------------------------------------------------------------------


def test_revoking_a_pending_delegation_shows_onboarding_again(
    client, delegate, owner, organization
):
    invite_id = delegate().json()["id"]

    response = client.delete(invite_url(organization.pk, invite_id))

    assert response.status_code == 204
    assert not OrganizationInvite.objects.filter(pk=invite_id).exists()
    owner.refresh_from_db()
    assert owner.onboarding_skipped_at is None
    assert owner.onboarding_skipped_reason is None
    assert owner.onboarding_skipped_organization_id is None
    assert owner.onboarding_delegated_to_organization_id is None
    assert owner.onboarding_delegated_to_invite_id is None


def test_an_admin_who_did_not_create_it_may_revoke(
    delegate, owner, organization, make_user, session_client
):
    admin = make_user()
    OrganizationMembership.objects.create(organization=organization, user=admin, level=ADMIN)
    invite_id = delegate().json()["id"]

    assert session_client(admin).delete(invite_url(organization.pk, invite_id)).status_code == 204
    owner.refresh_from_db()
    assert owner.onboarding_skipped_reason is None


def test_the_creator_may_revoke_as_a_plain_member(make_user, make_team, session_client):
    team = make_team()
    member = make_user()
    OrganizationMembership.objects.create(organization=team.organization, user=member, level=1)
    member_client = session_client(member)
    invite_id = member_client.post(
        delegate_url(team.organization_id), {"target_email": "x@example.com"}, format="json"
    ).json()["id"]

    assert member_client.delete(invite_url(team.organization_id, invite_id)).status_code == 204


@pytest.mark.parametrize("level", [None, 1])
def test_other_members_and_strangers_may_not_revoke(
    delegate, owner, organization, make_user, session_client, level
):
    other = make_user()
    if level is not None:
        OrganizationMembership.objects.create(organization=organization, user=other, level=level)
    invite_id = delegate().json()["id"]

    response = session_client(other).delete(invite_url(organization.pk, invite_id))

    assert response.status_code == 403
    assert OrganizationInvite.objects.filter(pk=invite_id).exists()
    owner.refresh_from_db()
    assert owner.onboarding_skipped_reason == "delegated"


def test_the_invite_must_belong_to_the_organization_in_the_path(
    client, delegate, make_organization
):
    invite_id = delegate().json()["id"]
    other = make_organization()
    assert client.delete(invite_url(other.pk, invite_id)).status_code == 404
    assert OrganizationInvite.objects.filter(pk=invite_id).exists()


@pytest.mark.parametrize(
    ("org_id", "invite_id"),
    [("nope", "00000000-0000-0000-0000-000000000000"), (None, "nope"), (None, "0" * 32)],
)
def test_unknown_or_malformed_ids_are_404(client, organization, org_id, invite_id):
    assert client.delete(invite_url(org_id or organization.pk, invite_id)).status_code == 404


def test_a_revoked_invite_cannot_be_accepted(
    client, delegate, organization, target, session_client
):
    invite_id = delegate().json()["id"]
    client.delete(invite_url(organization.pk, invite_id))
    assert session_client(target).post(accept_url(invite_id)).status_code == 404


def test_an_accepted_invite_cannot_be_revoked(
    client, delegate, organization, target, session_client
):
    invite_id = delegate().json()["id"]
    session_client(target).post(accept_url(invite_id))

    assert client.delete(invite_url(organization.pk, invite_id)).status_code == 404
    assert (
        User.objects.get(pk=client.session["_auth_user_id"]).onboarding_skipped_reason
        == "delegated"
    )


def test_revoking_with_an_api_key_is_refused(delegate, api_key_client, owner, organization):
    invite_id = delegate().json()["id"]
    response = api_key_client("*", user=owner).delete(invite_url(organization.pk, invite_id))
    assert response.status_code == 403


def test_other_methods_are_not_allowed(client, delegate, organization):
    invite_id = delegate().json()["id"]
    assert client.get(invite_url(organization.pk, invite_id)).status_code == 405
    assert client.get(delegate_url(organization.pk)).status_code == 405
    assert client.get(accept_url(invite_id)).status_code == 405


def test_revoking_a_plain_invite_leaves_onboarding_alone(client, owner, organization):
    owner.onboarding_skipped_reason = "later"
    owner.save(update_fields=["onboarding_skipped_reason"])
    invite = OrganizationInvite.objects.create(
        organization=organization, target_email="x@example.com", created_by=owner
    )
    assert client.delete(invite_url(organization.pk, invite.pk)).status_code == 204
    owner.refresh_from_db()
    assert owner.onboarding_skipped_reason == "later"


def test_query_budgets(delegate, target, session_client, django_assert_max_num_queries):
    target_client = session_client(target)
    # 12: the creator's level and the already-a-member check, and the security event (issue 15);
    # 13: the invite email's outbox row.
    with django_assert_max_num_queries(13):
        invite_id = delegate().json()["id"]
    with django_assert_max_num_queries(22):
        assert target_client.post(accept_url(invite_id)).status_code == 200


# --- Concurrency ---------------------------------------------------------------------------------


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
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_and_revoke_end_in_one_consistent_state(make_user, session_client):
    owner = make_user(with_team=True)
    organization: Organization = owner.current_organization
    target = make_user(email="cto@example.com")
    owner_client, target_client = session_client(owner), session_client(target)
    invite_id = owner_client.post(
        delegate_url(organization.pk), {"target_email": target.email}, format="json"
    ).json()["id"]

    accepted, revoked = _race(
        lambda: target_client.post(accept_url(invite_id)),
        lambda: owner_client.delete(invite_url(organization.pk, invite_id)),
    )

    assert sorted([accepted.status_code, revoked.status_code]) in ([200, 404], [204, 404])
    owner.refresh_from_db()
    assert not OrganizationInvite.objects.exists()
    if accepted.status_code == 200:
        assert owner.onboarding_delegation_accepted_at is not None
        assert owner.onboarding_skipped_reason == "delegated"
    else:
        assert owner.onboarding_skipped_reason is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_delegations_leave_one_pending_invite(make_user, session_client):
    owner = make_user(with_team=True)
    clients = [session_client(owner) for _ in range(4)]
    url = delegate_url(owner.current_organization_id)

    responses = _race(
        *[
            functools.partial(c.post, url, {"target_email": f"t{i}@example.com"}, format="json")
            for i, c in enumerate(clients)
        ]
    )

    assert [r.status_code for r in responses] == [201] * len(clients)
    owner.refresh_from_db()
    assert list(OrganizationInvite.objects.values_list("pk", flat=True)) == [
        owner.onboarding_delegated_to_invite_id
    ]
