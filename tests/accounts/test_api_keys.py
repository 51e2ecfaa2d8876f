"""Personal API key management (docs/api.md §2.15): session only, value shown once, digest
at rest.
"""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import freshness, key_crypto
from accounts.models import PersonalAPIKey, SecurityEvent

URL = "/api/personal_api_keys/"
FIELDS = {
    "id",
    "label",
    "scopes",
    "mask_value",
    "created_at",
    "last_used_at",
    "last_rolled_at",
    "expires_at",
}


@pytest.fixture
def user(make_user):
    return make_user(email="ada@example.com")


@pytest.fixture
def client(session_client, user):
    return session_client(user)


def bearer(value):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def create(client, **overrides):
    return client.post(URL, {"label": "CI", "scopes": ["user:read"], **overrides}, format="json")


def test_creating_a_key_shows_its_value_once(client, user):
    response = create(client, scopes=["user:write", "user:read"])

    assert response.status_code == 201
    data = response.json()
    assert set(data) == FIELDS | {"value"}
    assert data["label"] == "CI"
    assert data["scopes"] == ["user:write", "user:read"]
    assert re.fullmatch(r"phx_[A-Za-z0-9]{44}", data["value"])
    assert data["mask_value"] == f"{data['value'][:6]}...{data['value'][-4:]}"
    assert data["last_used_at"] is None
    assert data["expires_at"] is None

    listed = client.get(URL).json()
    retrieved = client.get(f"{URL}{data['id']}/").json()
    assert listed["count"] == 1
    assert "value" not in listed["results"][0]
    assert set(retrieved) == FIELDS
    assert retrieved["mask_value"] == data["mask_value"]


def test_the_database_holds_no_plaintext_key(client):
    value = create(client).json()["value"]
    hidden = value[len(key_crypto.PREFIX) + 2 : -4]  # what the mask does not show

    key = PersonalAPIKey.objects.get()
    assert key.secure_value == key_crypto.digest(value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {PersonalAPIKey._meta.db_table} WHERE id = %s",  # noqa: S608
            [key.pk.hex if connection.vendor == "sqlite" else key.pk],
        )
        row = " ".join(str(column) for column in cursor.fetchone())
    assert value not in row
    assert hidden not in row
    assert value[len(key_crypto.PREFIX) :] not in row


def test_a_new_key_works_as_a_bearer_token(client):
    data = create(client, scopes=["user:read"]).json()

    response = bearer(data["value"]).get(f"{URL}@current/")

    assert response.status_code == 200
    assert response.json()["id"] == data["id"]
    assert response.json()["scopes"] == ["user:read"]
    assert "value" not in response.json()


def test_creation_is_recorded_without_the_secret(client, user):
    value = create(client, label="deploy").json()["value"]

    event = SecurityEvent.objects.get(type=SecurityEvent.Type.API_KEY_CREATED)
    assert event.user == user
    assert event.context["label"] == "deploy"
    assert event.context["scopes"] == ["user:read"]
    assert value[len(key_crypto.PREFIX) + 2 : -4] not in str(event.context)


def test_a_future_expiry_is_kept_and_the_key_dies_when_it_passes(client):
    expires_at = timezone.now() + timedelta(days=1)
    data = create(client, expires_at=expires_at.isoformat()).json()
    key_client = bearer(data["value"])
    assert key_client.get(f"{URL}@current/").status_code == 200

    with time_machine.travel(expires_at + timedelta(seconds=1)):
        response = key_client.get(f"{URL}@current/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({"label": None}, "label", "null"),
        ({"label": ""}, "label", "blank"),
        ({"label": "x" * 41}, "label", "max_length"),
        ({"label": {"a": 1}}, "label", "invalid_input"),
        ({"scopes": ["user:read", "admin"]}, "scopes", "invalid_choice"),
        ({"scopes": []}, "scopes", "empty"),
        ({"scopes": "user:read"}, "scopes", "not_a_list"),
        ({"scopes": None}, "scopes", "null"),
        ({"scopes": [["*"]]}, "scopes__0", "invalid_input"),
        ({"scopes": ["user:read"] * 50}, "scopes", "max_length"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at", "invalid_input"),
        ({"expires_at": "tomorrow"}, "expires_at", "invalid_input"),
        ({"expires_at": 12}, "expires_at", "invalid_input"),
    ],
)
def test_bad_input_on_create_is_a_400(client, payload, attr, code):
    response = create(client, **payload)

    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == (attr, code)
    assert not PersonalAPIKey.objects.exists()


@pytest.mark.parametrize("missing", ["label", "scopes"])
def test_label_and_scopes_are_required(client, missing):
    payload = {"label": "CI", "scopes": ["*"]}
    del payload[missing]

    response = client.post(URL, payload, format="json")

    assert (response.status_code, response.json()["attr"]) == (400, missing)
    assert response.json()["code"] == "required"


@pytest.mark.parametrize("raw", [b"[]", b"null", b'"key"', b"{broken"])
def test_a_body_that_is_not_an_object_is_a_400(client, raw):
    response = client.generic("POST", URL, raw, content_type="application/json")

    assert response.status_code == 400


def test_at_most_ten_keys(client, make_api_key, user):
    for n in range(10):
        make_api_key("user:read", user=user, label=f"k{n}")

    response = create(client)

    assert response.status_code == 400
    assert response.json()["code"] == "max_keys"
    assert response.json()["attr"] is None
    assert PersonalAPIKey.objects.filter(user=user).count() == 10


def test_other_users_keys_count_for_them_alone(client, make_api_key, make_user):
    other = make_user()
    for _ in range(10):
        make_api_key("*", user=other)

    assert create(client).status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_creations_cannot_exceed_ten(make_user, make_api_key):
    user = make_user()
    for n in range(8):
        make_api_key("user:read", user=user, label=f"k{n}")
    clients = []
    for _ in range(5):
        client = APIClient()
        client.force_login(user)
        session = client.session
        freshness.stamp(session)
        session.save()
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def mint(client):
        try:
            barrier.wait()
            statuses.append(create(client).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=mint, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 201, 400, 400, 400]
    assert PersonalAPIKey.objects.filter(user=user).count() == 10


def test_list_and_retrieve_show_only_ones_own_keys(client, make_api_key, user, make_user):
    own, _ = make_api_key("user:read", user=user)
    theirs, _ = make_api_key("*", user=make_user())

    listed = client.get(URL).json()

    assert [k["id"] for k in listed["results"]] == [str(own.pk)]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.patch(f"{URL}{theirs.pk}/", {"label": "x"}).status_code == 404
    assert client.post(f"{URL}{theirs.pk}/roll/").status_code == 404
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert PersonalAPIKey.objects.filter(pk=theirs.pk, label="test key").exists()


@pytest.mark.parametrize("key_id", ["not-a-uuid", "12345", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_or_malformed_id_is_a_404(client, key_id):
    response = client.get(f"{URL}{key_id}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_patch_changes_label_and_scopes_but_not_the_secret(client, make_api_key, user):
    key, value = make_api_key("user:read", user=user)

    response = client.patch(
        f"{URL}{key.pk}/", {"label": "renamed", "scopes": ["user:write"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["label"] == "renamed"
    assert response.json()["scopes"] == ["user:write"]
    assert "value" not in response.json()
    key.refresh_from_db()
    assert (key.label, key.scopes) == ("renamed", ["user:write"])
    assert key.secure_value == key_crypto.digest(value)


def test_patch_ignores_read_only_fields(client, make_api_key, user):
    key, _ = make_api_key("user:read", user=user)

    response = client.patch(
        f"{URL}{key.pk}/",
        {"mask_value": "phx_hacked", "expires_at": "2001-01-01T00:00:00Z", "id": "x"},
        format="json",
    )

    assert response.status_code == 200
    key.refresh_from_db()
    assert key.mask_value != "phx_hacked"
    assert key.expires_at is None


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"scopes": ["root"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"label": "x" * 41}, "label"),
        ({"label": None}, "label"),
    ],
)
def test_bad_input_on_patch_is_a_400(client, make_api_key, user, payload, attr):
    key, _ = make_api_key("user:read", user=user)

    response = client.patch(f"{URL}{key.pk}/", payload, format="json")

    assert (response.status_code, response.json()["attr"]) == (400, attr)
    key.refresh_from_db()
    assert (key.label, key.scopes) == ("test key", ["user:read"])


def test_put_is_not_offered(client, make_api_key, user):
    key, _ = make_api_key("user:read", user=user)

    response = client.put(f"{URL}{key.pk}/", {"label": "x", "scopes": ["*"]}, format="json")

    assert response.status_code == 405


def test_narrowed_scopes_take_effect_at_once(client, make_api_key, user):
    key, value = make_api_key("*", user=user)
    assert bearer(value).get(f"{URL}@current/").status_code == 200

    client.patch(f"{URL}{key.pk}/", {"scopes": ["user:read"]}, format="json")

    assert bearer(value).get(f"{URL}@current/").json()["scopes"] == ["user:read"]


def test_rolling_replaces_the_secret_and_keeps_the_rest(client, make_api_key, user):
    key, old_value = make_api_key("user:write", user=user, label="ci")

    response = client.post(f"{URL}{key.pk}/roll/")

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == str(key.pk)
    assert (data["label"], data["scopes"]) == ("ci", ["user:write"])
    assert data["value"] != old_value
    assert data["mask_value"].endswith(data["value"][-4:])
    assert data["last_rolled_at"] is not None
    assert bearer(old_value).get(f"{URL}@current/").status_code == 401
    assert bearer(data["value"]).get(f"{URL}@current/").status_code == 200
    assert SecurityEvent.objects.filter(type=SecurityEvent.Type.API_KEY_ROLLED, user=user).exists()


def test_revoking_a_key_stops_it_at_once(client, make_api_key, user):
    key, value = make_api_key("*", user=user)
    key_client = bearer(value)
    assert key_client.get(f"{URL}@current/").status_code == 200

    response = client.delete(f"{URL}{key.pk}/")

    assert response.status_code == 204
    assert not PersonalAPIKey.objects.filter(pk=key.pk).exists()
    refused = key_client.get(f"{URL}@current/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert refused["WWW-Authenticate"]
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.API_KEY_REVOKED)
    assert (event.user, event.context["key_id"]) == (user, str(key.pk))


def test_list_costs_a_fixed_number_of_queries(
    client, make_api_key, user, django_assert_max_num_queries
):
    for _ in range(5):
        make_api_key("user:read", user=user)

    with django_assert_max_num_queries(4):
        response = client.get(URL)

    assert response.json()["count"] == 5


@pytest.mark.parametrize("limit", ["99999999999999999999", "1000000"])
def test_a_huge_page_size_is_capped(client, make_api_key, user, limit):
    # Unbounded, the LIMIT overflowed the database's integer (a 500).
    make_api_key("user:read", user=user)
    response = client.get(URL, {"limit": limit, "offset": "99999999999999999999"})
    assert response.status_code == 200
    assert response.json()["results"] == []
    response = client.get(URL, {"limit": limit})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
