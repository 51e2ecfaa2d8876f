"""GET /api/users/: a page with only the caller, or every active user for staff."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_a_non_staff_caller_sees_a_page_with_only_themselves(make_user, session_client):
    user = make_user()
    make_user(), make_user(is_staff=True)

    response = session_client(user).get("/api/users/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert (body["next"], body["previous"]) == (None, None)
    assert [row["uuid"] for row in body["results"]] == [str(user.uuid)]


def test_filters_cannot_widen_a_non_staff_callers_page(make_user, session_client):
    user, other = make_user(), make_user()
    response = session_client(user).get("/api/users/", {"email": other.email})
    assert response.json()["count"] == 0


def test_staff_see_every_active_user(make_user, session_client):
    staff = make_user(is_staff=True)
    active = make_user()
    inactive = make_user(is_active=False)

    uuids = {row["uuid"] for row in session_client(staff).get("/api/users/").json()["results"]}

    assert uuids == {str(staff.uuid), str(active.uuid)}
    assert str(inactive.uuid) not in uuids


def test_staff_filter_by_email_case_insensitively(make_user, session_client):
    staff = make_user(is_staff=True)
    target = make_user(email="grace@example.com")
    make_user()

    response = session_client(staff).get("/api/users/", {"email": "Grace@Example.COM"})

    assert [row["uuid"] for row in response.json()["results"]] == [str(target.uuid)]


@pytest.mark.parametrize(("value", "expected_staff"), [("true", True), ("false", False)])
def test_staff_filter_by_staff_status(make_user, session_client, value, expected_staff):
    staff = make_user(is_staff=True)
    make_user()

    results = session_client(staff).get("/api/users/", {"is_staff": value}).json()["results"]

    assert results
    assert {row["is_staff"] for row in results} == {expected_staff}


def test_an_unreadable_staff_filter_is_a_400(make_user, session_client):
    response = session_client(make_user(is_staff=True)).get("/api/users/", {"is_staff": "maybe"})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("invalid_input", "is_staff")


def test_staff_page_through_users_with_limit_and_offset(make_user, session_client):
    staff = make_user(is_staff=True)
    for _ in range(4):
        make_user()
    client = session_client(staff)

    first = client.get("/api/users/", {"limit": 2}).json()
    second = client.get("/api/users/", {"limit": 2, "offset": 2}).json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert "offset=2" in first["next"]
    assert first["previous"] is None
    assert second["previous"] is not None
    assert not {r["uuid"] for r in first["results"]} & {r["uuid"] for r in second["results"]}


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"offset": "-3"}, {"limit": "0"}])
def test_unreadable_pagination_falls_back_to_the_defaults(make_user, session_client, params):
    response = session_client(make_user()).get("/api/users/", params)
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("params", [{"limit": "9" * 20}, {"offset": "9" * 20}, {"offset": "1e9"}])
def test_huge_pagination_values_are_not_a_server_error(make_user, session_client, params):
    response = session_client(make_user(is_staff=True)).get("/api/users/", params)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_api_keys_need_the_read_scope_to_list(make_user, api_key_client):
    user = make_user()
    assert api_key_client("user:read", user=user).get("/api/users/").status_code == 200
    refused = api_key_client(user=user).get("/api/users/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"


def test_anonymous_callers_cannot_list(api_client, db):
    response = api_client.get("/api/users/")
    assert response.status_code == 401


def test_the_list_costs_the_same_number_of_queries_for_more_users(
    make_user, session_client, django_assert_num_queries
):
    staff = make_user(is_staff=True, with_team=True)
    client = session_client(staff)

    with CaptureQueriesContext(connection) as few:
        client.get("/api/users/")
    for _ in range(5):
        make_user(with_team=True)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/users/")
    assert response.json()["count"] == 6


@pytest.mark.parametrize("query", ["is_staff=maybe&is_staff=", "email=a@example.com&email="])
def test_a_filter_given_twice_is_a_400(make_user, session_client, query):
    response = session_client(make_user(is_staff=True)).get(f"/api/users/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["attr"] == query.split("=")[0]


@pytest.mark.parametrize("value", ["", "null"])
def test_an_empty_or_null_staff_filter_is_a_400(make_user, session_client, value):
    # The schema says a boolean; an empty value used to mean "no filter" (found by schemathesis).
    response = session_client(make_user(is_staff=True)).get(f"/api/users/?is_staff={value}")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("invalid_input", "is_staff")


def test_without_a_staff_filter_every_user_is_listed(make_user, session_client):
    staff = make_user(is_staff=True)
    make_user()
    response = session_client(staff).get("/api/users/")
    assert {row["is_staff"] for row in response.json()["results"]} == {True, False}
