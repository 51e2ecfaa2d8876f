"""Query budgets of the hot paths (issue 10), for an API key and for a session.

Every user here has what makes the representation expensive: a current organization and team,
a second membership, scene pins and a confirmed TOTP device; sessions passed the second factor
(the session holds the device id). Keys were used recently, so no hourly ``last_used_at`` write.
The session itself is in the cache (``cached_db``): loading it costs no query.
"""

import pytest
from django.db import connection
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import UserScenePersonalisation
from organizations.models import Dashboard, OrganizationMembership
from twofactor.models import TOTPDevice

ME = "/api/users/@me/"
STATUS = "/api/users/@me/two_factor_status/"
PUSH = "/api/users/@me/push_tokens/"
BACKUP_CODES = "/api/users/@me/two_factor_backup_codes/"


@pytest.fixture
def user(make_user, make_team, enable_totp):
    user = make_user(with_team=True)
    other = make_team()
    OrganizationMembership.objects.create(organization=other.organization, user=user, level=1)
    for scene in ("Dashboards", "Insights"):
        UserScenePersonalisation.objects.create(
            user=user,
            team=user.current_team,
            scene=scene,
            dashboard=Dashboard.objects.create(team=user.current_team, name=scene),
        )
    enable_totp(user)
    connection.features.supports_json_field  # noqa: B018 - SQLite asks once per connection
    return user


@pytest.fixture
def key_client(user, make_api_key, api_client):
    _, value = make_api_key("*", user=user, last_used_at=timezone.now())
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return api_client


@pytest.fixture
def verified_session_client(user, session_client):
    client = session_client(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


@pytest.fixture(params=["key", "session"])
def client(request):
    return request.getfixturevalue(
        "key_client" if request.param == "key" else "verified_session_client"
    )


@pytest.mark.django_db
def test_me_in_at_most_three_queries(client, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["is_2fa_enabled"] is True
    assert len(body["organizations"]) == 2
    assert body["team"]["id"] == user.current_team_id
    assert [pin["scene"] for pin in body["scene_personalisation"]] == ["Dashboards", "Insights"]
    assert body["is_organization_first_user"] is True


@pytest.mark.django_db
def test_two_factor_status_in_two_queries(verified_session_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = verified_session_client.get(STATUS)
    assert response.status_code == 200
    assert response.json()["is_enabled"] is True


@pytest.mark.django_db
def test_push_token_upsert_in_three_statements(client, django_assert_max_num_queries):
    body = {"token": "budget-device-token", "platform": "ios"}
    client.post(PUSH, body)  # the second registration is the upsert's update path
    with django_assert_max_num_queries(3):
        response = client.post(PUSH, body)
    assert response.status_code == 200


@pytest.mark.postgres  # one data-modifying statement; SQLite writes the codes with the ORM
@pytest.mark.django_db
@pytest.mark.parametrize("replacing", [False, True], ids=["first set", "replacing a set"])
def test_backup_code_regeneration_in_five_statements_plus_the_transaction(
    verified_session_client, django_assert_max_num_queries, replacing
):
    if replacing:
        assert verified_session_client.post(BACKUP_CODES).status_code == 200
    # Inside the test's transaction, the service's own transaction is a SAVEPOINT + RELEASE:
    # the session user, "has a confirmed device" (before hashing), the lock of user and device,
    # the codes with their security event, the email's outbox row.
    with django_assert_max_num_queries(5 + 2):
        response = verified_session_client.post(BACKUP_CODES)
    assert response.status_code == 200
    assert len(response.json()["backup_codes"]) == 10
