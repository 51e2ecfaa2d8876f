"""POST /api/users/{uuid}/scene_personalisation/ (docs/api.md §2.4)."""

import threading

import pytest
from django.db import connection

from accounts.models import UserScenePersonalisation
from organizations.models import Dashboard

URL = "/api/users/{}/scene_personalisation/"
ME = URL.format("@me")


def pin(client, body, path=ME):
    return client.post(path, body, format="json")


@pytest.fixture
def user(make_user):
    return make_user(with_team=True)


@pytest.fixture
def client(session_client, user):
    return session_client(user)


@pytest.fixture
def make_dashboard(user):
    def make(team=None, name="Dashboard"):
        return Dashboard.objects.create(team=team or user.current_team, name=name)

    return make


def test_pinning_a_dashboard_creates_the_row(client, user, make_dashboard):
    dashboard = make_dashboard()

    response = pin(client, {"scene": "ProductAnalytics", "dashboard": dashboard.pk})

    assert response.status_code == 200
    assert response.json()["scene_personalisation"] == [
        {"scene": "ProductAnalytics", "dashboard": dashboard.pk}
    ]
    row = UserScenePersonalisation.objects.get(user=user)
    assert (row.team_id, row.scene, row.dashboard_id) == (
        user.current_team_id,
        "ProductAnalytics",
        dashboard.pk,
    )


def test_pinning_the_same_scene_again_replaces_the_dashboard(client, user, make_dashboard):
    first, second = make_dashboard(), make_dashboard()
    pin(client, {"scene": "ProductAnalytics", "dashboard": first.pk})

    response = pin(client, {"scene": "ProductAnalytics", "dashboard": second.pk})

    assert response.status_code == 200
    assert response.json()["scene_personalisation"] == [
        {"scene": "ProductAnalytics", "dashboard": second.pk}
    ]
    assert UserScenePersonalisation.objects.filter(user=user).count() == 1


def test_the_representation_lists_every_row_of_the_user(client, user, make_dashboard, make_team):
    here = make_dashboard()
    pin(client, {"scene": "WebAnalytics", "dashboard": here.pk})
    other_team = make_team(organization=user.current_organization)
    user.current_team = other_team
    user.save(update_fields=["current_team"])
    there = make_dashboard(team=other_team)

    response = pin(client, {"scene": "WebAnalytics", "dashboard": there.pk})

    assert response.status_code == 200
    assert sorted(
        (row["scene"], row["dashboard"]) for row in response.json()["scene_personalisation"]
    ) == sorted([("WebAnalytics", here.pk), ("WebAnalytics", there.pk)])
    assert UserScenePersonalisation.objects.filter(user=user).count() == 2


def test_scenes_are_kept_per_scene(client, user, make_dashboard):
    dashboard = make_dashboard()
    pin(client, {"scene": "A", "dashboard": dashboard.pk})
    response = pin(client, {"scene": "B", "dashboard": dashboard.pk})
    assert len(response.json()["scene_personalisation"]) == 2


def test_a_numeric_string_id_is_accepted(client, make_dashboard):
    dashboard = make_dashboard()
    response = pin(client, {"scene": "A", "dashboard": str(dashboard.pk)})
    assert response.status_code == 200


# --- Validation ----------------------------------------------------------------------------------


def test_a_null_dashboard_is_refused(client, user):
    response = pin(client, {"scene": "A", "dashboard": None})
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("dashboard", "null")
    assert not UserScenePersonalisation.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr"), [({"scene": "A"}, "dashboard"), ({"dashboard": 1}, "scene")]
)
def test_both_fields_are_required(client, body, attr):
    response = pin(client, body)
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == (attr, "required")


def test_a_null_scene_is_refused(client, make_dashboard):
    response = pin(client, {"scene": None, "dashboard": make_dashboard().pk})
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("scene", "null")


def test_a_blank_scene_is_refused(client, make_dashboard):
    response = pin(client, {"scene": "", "dashboard": make_dashboard().pk})
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("scene", "blank")


def test_a_scene_of_200_characters_is_accepted_but_not_201(client, make_dashboard):
    dashboard = make_dashboard()
    assert pin(client, {"scene": "s" * 200, "dashboard": dashboard.pk}).status_code == 200

    response = pin(client, {"scene": "s" * 201, "dashboard": dashboard.pk})

    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("scene", "max_length")


@pytest.mark.parametrize("scene", [{"a": 1}, ["A"], True])
def test_a_scene_of_a_wrong_type_is_refused(client, make_dashboard, scene):
    response = pin(client, {"scene": scene, "dashboard": make_dashboard().pk})
    assert response.status_code == 400
    assert response.json()["attr"] == "scene"


@pytest.mark.parametrize("dashboard", [0, -1, 999_999_999, 2**63, 10**30, -(10**30)])
def test_an_unknown_dashboard_does_not_exist(client, dashboard):
    response = pin(client, {"scene": "A", "dashboard": dashboard})
    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == ("dashboard", "does_not_exist")


@pytest.mark.parametrize("dashboard", ["abc", "", 1.5, True, [1], {"id": 1}, "1" * 2000])
def test_a_dashboard_id_of_a_wrong_type_is_refused(client, dashboard):
    response = pin(client, {"scene": "A", "dashboard": dashboard})
    assert response.status_code == 400
    assert response.json()["attr"] == "dashboard"


def test_a_dashboard_of_another_team_is_refused(client, user, make_dashboard, make_team):
    foreign = make_dashboard(team=make_team())

    response = pin(client, {"scene": "A", "dashboard": foreign.pk})

    assert response.status_code == 400
    assert response.json()["attr"] == "dashboard"
    assert response.json()["code"] == "invalid_input"
    assert not UserScenePersonalisation.objects.exists()


def test_a_dashboard_of_another_team_of_the_same_organization_is_refused(
    client, user, make_dashboard, make_team
):
    sibling = make_dashboard(team=make_team(organization=user.current_organization))
    response = pin(client, {"scene": "A", "dashboard": sibling.pk})
    assert response.status_code == 400
    assert response.json()["attr"] == "dashboard"


def test_a_user_without_a_current_team_cannot_pin(session_client, make_user, make_team):
    lonely = make_user()
    dashboard = Dashboard.objects.create(team=make_team(), name="D")
    response = pin(session_client(lonely), {"scene": "A", "dashboard": dashboard.pk})
    assert response.status_code == 400
    assert response.json()["attr"] == "dashboard"


@pytest.mark.parametrize("body", ["[]", '"A"', "1", "null"])
def test_a_body_that_is_not_an_object_is_a_validation_error(client, body):
    response = client.post(ME, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


# --- Who may call --------------------------------------------------------------------------------


def test_staff_may_pin_for_another_user_in_that_users_team(
    session_client, make_user, user, make_dashboard
):
    staff = make_user(is_staff=True, with_team=True)
    dashboard = make_dashboard()
    staff_client = session_client(staff)

    response = pin(
        staff_client, {"scene": "A", "dashboard": dashboard.pk}, path=URL.format(user.uuid)
    )

    assert response.status_code == 200
    assert response.json()["uuid"] == str(user.uuid)
    assert UserScenePersonalisation.objects.filter(user=user, dashboard=dashboard).exists()
    assert not UserScenePersonalisation.objects.filter(user=staff).exists()
    staffs_own = Dashboard.objects.create(team=staff.current_team, name="D")
    refused = pin(
        staff_client, {"scene": "A", "dashboard": staffs_own.pk}, path=URL.format(user.uuid)
    )
    assert refused.status_code == 400


def test_a_user_must_use_at_me(client, user, make_dashboard):
    response = pin(
        client, {"scene": "A", "dashboard": make_dashboard().pk}, path=URL.format(user.uuid)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("value", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_staff_get_404_for_unknown_or_malformed_uuids(session_client, make_user, value):
    staff = make_user(is_staff=True)
    response = pin(session_client(staff), {"scene": "A", "dashboard": 1}, path=URL.format(value))
    assert response.status_code == 404


def test_api_keys_are_refused(api_key_client, user, make_dashboard):
    response = pin(api_key_client("*", user=user), {"scene": "A", "dashboard": make_dashboard().pk})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_callers_are_401(api_client, db):
    assert pin(api_client, {"scene": "A", "dashboard": 1}).status_code == 401


def test_no_recent_password_proof_is_needed(session_client, user, make_dashboard):
    response = pin(
        session_client(user, fresh=False), {"scene": "A", "dashboard": make_dashboard().pk}
    )
    assert response.status_code == 200


def test_query_budget(client, make_dashboard, django_assert_max_num_queries):
    dashboard = make_dashboard()
    with django_assert_max_num_queries(12):
        assert pin(client, {"scene": "A", "dashboard": dashboard.pk}).status_code == 200


# --- Concurrency ---------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_pins_make_one_row(make_user, session_client):
    user = make_user(with_team=True)
    dashboards = [Dashboard.objects.create(team=user.current_team, name=f"D{i}") for i in range(3)]
    clients = [session_client(user) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    responses = []

    def run(index, c):
        try:
            barrier.wait()
            body = {"scene": "ProductAnalytics", "dashboard": dashboards[index % 3].pk}
            responses.append(pin(c, body))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert [r.status_code for r in responses] == [200] * len(clients)
    assert UserScenePersonalisation.objects.filter(user=user).count() == 1


def unpin(client, scene, uuid="@me"):
    return client.delete(f"{URL.format(uuid)}{scene}/")


def test_unpinning_removes_the_scenes_row(client, user, make_dashboard):
    pin(client, {"scene": "ProductAnalytics", "dashboard": make_dashboard().pk})
    kept = make_dashboard()
    pin(client, {"scene": "WebAnalytics", "dashboard": kept.pk})

    response = unpin(client, "ProductAnalytics")

    assert response.status_code == 204
    assert client.get("/api/users/@me/").json()["scene_personalisation"] == [
        {"scene": "WebAnalytics", "dashboard": kept.pk}
    ]


def test_unpinning_a_scene_without_a_pin_is_a_204(client, user):
    assert unpin(client, "Nothing").status_code == 204


def test_unpinning_keeps_the_pin_of_another_team(client, user, make_dashboard, make_team):
    other_team = make_team(organization=user.current_organization)
    UserScenePersonalisation.objects.create(
        user=user,
        team=other_team,
        scene="ProductAnalytics",
        dashboard=make_dashboard(team=other_team),
    )

    assert unpin(client, "ProductAnalytics").status_code == 204
    assert UserScenePersonalisation.objects.filter(user=user, team=other_team).exists()


def test_unpinning_is_session_only(api_key_client, user):
    assert unpin(api_key_client("*", user=user), "ProductAnalytics").status_code == 403


def test_unpinning_for_another_user_is_refused(client, make_user):
    assert unpin(client, "ProductAnalytics", uuid=make_user().uuid).status_code == 403
