"""POST /api/users/{uuid}/onboarding/skip/ (docs/api.md §2.1)."""

import threading
import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from accounts.models import User
from organizations.models import OrganizationInvite

URL = "/api/users/{}/onboarding/skip/"
ME = URL.format("@me")


def skip(client, body, path=ME, **kwargs):
    return client.post(path, body, format="json", **kwargs)


@pytest.fixture
def user(make_user):
    return make_user(with_team=True)


@pytest.fixture
def client(session_client, user):
    return session_client(user)


def test_skip_for_later_records_time_reason_and_current_organization(client, user):
    response = skip(client, {"reason": "later", "step_at_skip": "install_snippet"})

    assert response.status_code == 200
    body = response.json()
    assert body["onboarding_skipped_reason"] == "later"
    assert body["onboarding_skipped_at"] is not None
    assert body["onboarding_skipped_organization_id"] == body["organization"]["id"]
    user.refresh_from_db()
    assert user.onboarding_skipped_reason == "later"
    assert user.onboarding_skipped_organization_id == user.current_organization_id
    assert parse_datetime(body["onboarding_skipped_at"]) == user.onboarding_skipped_at


def test_a_repeated_skip_keeps_the_first_timestamp_and_may_switch_reason(client, user):
    with time_machine.travel(datetime(2026, 1, 1, 12, tzinfo=UTC), tick=False):
        first = skip(client, {"reason": "later"})
    with time_machine.travel(datetime(2026, 1, 1, 12, 30, tzinfo=UTC), tick=False):
        client = _refreshed(client)
        second = skip(client, {"reason": "other"})

    assert first.status_code == second.status_code == 200
    assert second.json()["onboarding_skipped_reason"] == "other"
    assert second.json()["onboarding_skipped_at"] == first.json()["onboarding_skipped_at"]
    user.refresh_from_db()
    assert user.onboarding_skipped_at == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert user.onboarding_skipped_reason == "other"


def _refreshed(client):
    """Stamp the session's re-authentication at the (travelled) current time."""
    from accounts import freshness

    session = client.session
    freshness.stamp(session)
    session.save()
    return client


def test_the_organization_recorded_is_the_current_one(client, user, make_team):
    other_team = make_team()
    user.current_organization = other_team.organization
    user.current_team = other_team
    user.save(update_fields=["current_organization", "current_team"])

    response = skip(client, {"reason": "later"})

    assert response.status_code == 200
    assert response.json()["onboarding_skipped_organization_id"] == str(other_team.organization_id)


def test_a_user_without_organization_may_skip(session_client, make_user):
    lonely = make_user()
    response = skip(session_client(lonely), {"reason": "other"})
    assert response.status_code == 200
    assert response.json()["onboarding_skipped_organization_id"] is None


@pytest.mark.parametrize("reason", ["delegated", "never", "LATER", "", 5, True, ["later"], {}])
def test_delegated_and_unknown_reasons_are_refused(client, user, reason):
    response = skip(client, {"reason": reason})

    assert response.status_code == 400
    assert response.json()["attr"] == "reason"
    assert response.json()["code"] == "invalid_choice"
    user.refresh_from_db()
    assert user.onboarding_skipped_at is None


def test_reason_is_required(client):
    response = skip(client, {"step_at_skip": "x"})
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("reason", "required")


def test_null_reason_is_refused(client):
    response = skip(client, {"reason": None})
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("reason", "null")


@pytest.mark.parametrize("step", ["", None, "x" * 64])
def test_step_at_skip_is_optional_and_may_be_blank(client, step):
    assert skip(client, {"reason": "later", "step_at_skip": step}).status_code == 200


def test_step_at_skip_longer_than_64_characters_is_refused(client, user):
    response = skip(client, {"reason": "later", "step_at_skip": "x" * 65})
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("step_at_skip", "max_length")
    user.refresh_from_db()
    assert user.onboarding_skipped_at is None


@pytest.mark.parametrize("step", [{"a": 1}, [1], True])
def test_step_at_skip_of_a_wrong_type_is_refused(client, step):
    response = skip(client, {"reason": "later", "step_at_skip": step})
    assert response.status_code == 400
    assert response.json()["attr"] == "step_at_skip"


@pytest.mark.parametrize("body", ["[]", '"later"', "42", "null", '["reason"]'])
def test_a_body_that_is_not_an_object_is_a_validation_error(client, body):
    response = client.post(ME, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_malformed_json_is_a_parse_error(client):
    response = client.post(ME, "{reason:", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_huge_reason_is_refused_without_error(client):
    response = skip(client, {"reason": "later" * 10_000})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_choice"


def test_a_body_over_the_size_limit_is_413(client):
    response = skip(client, {"reason": "later", "step_at_skip": "x" * 70_000})
    assert response.status_code == 413


def test_form_bodies_are_accepted(client):
    assert client.post(ME, {"reason": "later"}).status_code == 200


def test_skipping_cancels_a_pending_delegation(client, user):
    delegated = client.post(
        f"/api/organizations/{user.current_organization_id}/invites/delegate/",
        {"target_email": "cto@example.com"},
        format="json",
    )
    assert delegated.status_code == 201

    response = skip(client, {"reason": "later"})

    assert response.status_code == 200
    body = response.json()
    assert body["onboarding_skipped_reason"] == "later"
    assert body["onboarding_delegated_to_invite"] is None
    assert body["onboarding_delegated_to_organization_id"] is None
    assert not OrganizationInvite.objects.filter(pk=delegated.json()["id"]).exists()


def test_skipping_after_a_delegation_sets_a_new_timestamp(client, user):
    with time_machine.travel(datetime(2026, 1, 1, 12, tzinfo=UTC), tick=False):
        _refreshed(client)
        client.post(
            f"/api/organizations/{user.current_organization_id}/invites/delegate/",
            {"target_email": "cto@example.com"},
            format="json",
        )
    with time_machine.travel(datetime(2026, 1, 2, 12, tzinfo=UTC), tick=False):
        _refreshed(client)
        response = skip(client, {"reason": "later"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.onboarding_skipped_at == datetime(2026, 1, 2, 12, tzinfo=UTC)


def test_skipping_keeps_an_accepted_delegation_on_record(client, user, make_user, session_client):
    target = make_user(email="cto@example.com")
    invite_id = client.post(
        f"/api/organizations/{user.current_organization_id}/invites/delegate/",
        {"target_email": target.email},
        format="json",
    ).json()["id"]
    assert session_client(target).post(f"/api/invites/{invite_id}/accept/").status_code == 200

    response = skip(client, {"reason": "later"})

    assert response.status_code == 200
    assert response.json()["onboarding_delegation_accepted_at"] is not None


# --- Who may call ------------------------------------------------------------------------------


def test_staff_may_skip_for_another_user(session_client, make_user, user):
    staff = make_user(is_staff=True)
    response = skip(session_client(staff), {"reason": "other"}, path=URL.format(user.uuid))

    assert response.status_code == 200
    assert response.json()["uuid"] == str(user.uuid)
    user.refresh_from_db()
    staff.refresh_from_db()
    assert user.onboarding_skipped_reason == "other"
    assert staff.onboarding_skipped_reason is None


def test_a_user_must_use_at_me_even_for_themselves(client, user):
    response = skip(client, {"reason": "later"}, path=URL.format(user.uuid))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_the_path_is_resolved_before_the_body_is_validated(client, make_user):
    other = make_user()
    response = skip(client, {"reason": "delegated"}, path=URL.format(other.uuid))
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.onboarding_skipped_at is None


@pytest.mark.parametrize("value", ["not-a-uuid", "12345", "00000000-0000-0000-0000-000000000000"])
def test_staff_get_404_for_unknown_or_malformed_uuids(session_client, make_user, value):
    staff = make_user(is_staff=True)
    response = skip(session_client(staff), {"reason": "later"}, path=URL.format(value))
    assert response.status_code == 404


def test_an_inactive_user_is_not_found_for_staff(session_client, make_user):
    staff = make_user(is_staff=True)
    gone = make_user(is_active=False)
    response = skip(session_client(staff), {"reason": "later"}, path=URL.format(gone.uuid))
    assert response.status_code == 404


@pytest.mark.parametrize("scopes", [("*",), ("user:write",), ("user:read",)])
def test_api_keys_are_refused(api_key_client, user, scopes):
    response = skip(api_key_client(*scopes, user=user), {"reason": "later"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    user.refresh_from_db()
    assert user.onboarding_skipped_at is None


def test_anonymous_callers_are_401(api_client, db):
    response = skip(api_client, {"reason": "later"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_session_without_recent_password_proof_may_skip(session_client, user):
    response = skip(session_client(user, fresh=False), {"reason": "later"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.onboarding_skipped_at is not None


def test_the_skip_is_throttled_per_user(settings, client, session_client, make_user):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "onboarding_skip": "2/hour"},
    }
    assert skip(client, {"reason": "later"}).status_code == 200
    assert skip(client, {"reason": "other"}).status_code == 200

    response = skip(client, {"reason": "later"})

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert skip(session_client(make_user()), {"reason": "later"}).status_code == 200


def test_the_default_rate_is_30_an_hour(client):
    for _ in range(30):
        assert skip(client, {"reason": "later"}).status_code == 200
    assert skip(client, {"reason": "later"}).status_code == 429


def test_query_budget(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        assert skip(client, {"reason": "later"}).status_code == 200


# --- Concurrency (real row locks) ----------------------------------------------------------------


def _wait_for_lock_waiters(count):
    """Block until ``count`` backends of this test database wait on a lock (or 10 s pass)."""
    with connection.cursor() as cursor:
        for _ in range(1000):
            # Statistics are a snapshot per transaction, and the caller holds one open.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.01)
    raise AssertionError(f"{count} requests never queued on the user row")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_skips_keep_one_timestamp(make_user, session_client):
    """Hold the user row while the requests arrive, so they all start from "not skipped"."""
    user = make_user(with_team=True)
    clients = [session_client(user) for _ in range(5)]
    responses = []

    def run(c):
        try:
            responses.append(skip(c, {"reason": "later"}))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        for t in threads:
            t.start()
        _wait_for_lock_waiters(len(threads))
    for t in threads:
        t.join()

    assert [r.status_code for r in responses] == [200] * len(clients)
    user.refresh_from_db()
    stamps = {parse_datetime(r.json()["onboarding_skipped_at"]) for r in responses}
    assert stamps == {user.onboarding_skipped_at}
