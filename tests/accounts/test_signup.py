"""POST /api/signup/ (docs/api.md §2.14)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import email_verification
from accounts.services import signup as signup_services
from organizations.models import Organization, OrganizationMembership, Team
from tests.conftest import PASSWORD

URL = "/api/signup/"


def body(**overrides):
    return {
        "email": "New.Person@Example.COM",
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "organization_name": "Analytical Engines",
        **overrides,
    }


@pytest.fixture
def sent_codes(monkeypatch):
    """Record calls of the verification-code seam (the email helper fills it in)."""
    calls = []
    monkeypatch.setattr(
        email_verification, "send_verification_code", lambda *, user: calls.append(user.pk)
    )
    return calls


def test_sign_up_creates_an_unverified_owner_with_organization_and_team(
    api_client, db, sent_codes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(URL, body())

    assert response.status_code == 201
    data = response.json()
    assert data["email"] == "new.person@example.com"
    assert data["first_name"] == "Ada"
    assert data["last_name"] == "Lovelace"
    assert data["is_email_verified"] is False
    assert data["has_password"] is True
    assert data["organization"]["name"] == "Analytical Engines"
    assert data["organization"]["slug"] == "analytical-engines"
    assert data["organization"]["membership_level"] == 15
    assert data["team"]["organization"] == data["organization"]["id"]
    assert data["organizations"] == [
        {
            "id": data["organization"]["id"],
            "name": "Analytical Engines",
            "slug": "analytical-engines",
            "membership_level": 15,
        }
    ]
    assert data["is_organization_first_user"] is True
    assert data["sensitive_session_expires_at"] is not None
    assert data["fresh_reauth_expires_at"] is not None

    user = User.objects.get(email="new.person@example.com")
    assert user.check_password(PASSWORD)
    assert user.is_email_verified is False
    membership = OrganizationMembership.objects.get(user=user)
    assert membership.level == OrganizationMembership.Level.OWNER
    assert user.current_organization_id == membership.organization_id
    assert Team.objects.get(pk=user.current_team_id).organization_id == membership.organization_id
    assert sent_codes == [user.pk]


def test_a_failure_to_issue_the_code_does_not_fail_the_sign_up(
    api_client, db, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*, user):
        raise ConnectionError("mail is down")

    monkeypatch.setattr(email_verification, "send_verification_code", broken)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(URL, body())

    assert response.status_code == 201
    assert User.objects.filter(email="new.person@example.com").exists()


def test_sign_up_logs_the_user_in_and_sets_the_csrf_cookie(api_client, db, sent_codes):
    response = api_client.post(URL, body())

    assert response.status_code == 201
    assert response.cookies["csrftoken"].value
    assert response.cookies["sessionid"].value
    assert api_client.get("/api/personal_api_keys/").status_code == 200


def test_organization_name_is_optional_and_slugs_stay_unique(api_client, db, sent_codes):
    first = api_client.post(URL, body(email="a@example.com", organization_name="Acme"))
    second = APIClient().post(URL, body(email="b@example.com", organization_name="Acme"))
    third = APIClient().post(URL, body(email="c@example.com", organization_name=""))
    fourth = APIClient().post(
        URL, body(email="d@example.com", first_name="Zoë", organization_name=None)
    )

    assert first.status_code == second.status_code == third.status_code == 201
    assert first.json()["organization"]["slug"] == "acme"
    assert second.json()["organization"]["slug"].startswith("acme-")
    assert third.json()["organization"]["name"] == "Ada's organization"
    assert fourth.status_code == 400  # null is not a name
    assert fourth.json()["attr"] == "organization_name"
    assert Organization.objects.filter(slug__startswith="acme").count() == 2


def test_a_name_without_latin_letters_still_gets_a_slug(api_client, db, sent_codes):
    response = api_client.post(URL, body(organization_name="株式会社"))

    assert response.status_code == 201
    assert response.json()["organization"]["slug"] == "organization"


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com", " Taken@Example.com"])
def test_an_address_in_use_is_refused_whatever_its_case(api_client, make_user, sent_codes, email):
    make_user(email="taken@example.com")

    response = api_client.post(URL, body(email=email))

    assert response.status_code == 400
    assert response.json()["code"] == "unique"
    assert response.json()["attr"] == "email"
    assert User.objects.count() == 1
    assert sent_codes == []


def test_a_sign_up_losing_the_race_for_an_address_gets_the_same_400(
    api_client, make_user, monkeypatch, sent_codes
):
    make_user(email="taken@example.com")
    # The check passed before the other sign-up committed: only the unique index notices.
    monkeypatch.setattr(signup_services, "email_is_taken", lambda email: False)

    response = api_client.post(URL, body(email="Taken@example.com"))

    assert response.status_code == 400
    assert response.json()["code"] == "unique"
    assert response.json()["attr"] == "email"
    assert Organization.objects.count() == 0


def test_a_failed_sign_up_leaves_nothing_behind_and_sends_nothing(
    db, monkeypatch, sent_codes, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(OrganizationMembership.objects, "create", broken)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        signup_services.sign_up(email="x@example.com", password=PASSWORD, first_name="X")

    assert callbacks == []
    assert not User.objects.exists()
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "password_too_short"),
        ("password123", "password_too_common"),
        ("74839201938475", "password_entirely_numeric"),
        ("new.person@example.com", "password_too_similar"),
    ],
)
def test_password_validators_apply(api_client, db, sent_codes, password, code):
    response = api_client.post(URL, body(password=password))

    assert response.status_code == 400
    assert response.json()["attr"] == "password"
    assert response.json()["code"] == code
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({"email": None}, "email", "null"),
        ({"email": 12}, "email", "invalid_input"),
        ({"email": "not-an-address"}, "email", "invalid_input"),
        ({"email": "x" * 250 + "@example.com"}, "email", "max_length"),
        ({"first_name": ""}, "first_name", "blank"),
        ({"first_name": ["Ada"]}, "first_name", "invalid_input"),
        ({"first_name": "A" * 151}, "first_name", "max_length"),
        ({"last_name": "L" * 151}, "last_name", "max_length"),
        ({"organization_name": "O" * 65}, "organization_name", "max_length"),
        ({"password": {"a": 1}}, "password", "invalid_input"),
        ({"password": "p" * 129}, "password", "max_length"),
    ],
)
def test_bad_input_is_a_400(api_client, db, sent_codes, payload, attr, code):
    response = api_client.post(URL, body(**payload), format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == attr
    assert response.json()["code"] == code


@pytest.mark.parametrize("missing", ["email", "password", "first_name"])
def test_required_fields(api_client, db, sent_codes, missing):
    payload = body()
    del payload[missing]

    response = api_client.post(URL, payload)

    assert response.status_code == 400
    assert (response.json()["attr"], response.json()["code"]) == (missing, "required")


@pytest.mark.parametrize(
    ("raw", "status_code", "code"),
    [
        (b"[1, 2]", 400, "invalid_input"),
        (b'"just a string"', 400, "invalid_input"),
        (b"null", 400, "null"),
        (b"{not json", 400, "parse_error"),
    ],
)
def test_a_body_that_is_not_an_object_is_a_400(api_client, db, raw, status_code, code):
    response = api_client.generic("POST", URL, raw, content_type="application/json")

    assert response.status_code == status_code
    assert response.json()["code"] == code


def test_sign_up_accepts_a_form_body(api_client, db, sent_codes):
    response = api_client.post(URL, body(), format="multipart")

    assert response.status_code == 201


def test_sign_up_is_throttled_per_ip(api_client, db, sent_codes, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "signup": "2/hour",
        },
    }
    for n in range(2):
        assert APIClient().post(URL, body(email=f"p{n}@example.com")).status_code == 201

    response = APIClient().post(URL, body(email="p3@example.com"))

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_signup_throttle_fails_open_when_the_cache_is_down(api_client, db, sent_codes, monkeypatch):
    from accounts.throttling import SignupThrottle

    monkeypatch.setattr(SignupThrottle, "cache", _BrokenCache())

    assert api_client.post(URL, body()).status_code == 201


class _BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    set = get


def test_an_api_key_cannot_sign_up(api_key_client, sent_codes):
    response = api_key_client("*").post(URL, body())

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_invalid_api_key_is_refused_even_here(api_client, db, sent_codes):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer phx_nope")

    response = api_client.post(URL, body())

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_with_one_address_create_one_account(sent_codes):
    barrier = threading.Barrier(4)
    statuses = []

    def sign_up(n):
        try:
            barrier.wait()
            response = APIClient(REMOTE_ADDR=f"10.0.0.{n}").post(
                URL, body(email="Race@Example.com" if n % 2 else "race@example.com")
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 400, 400, 400]
    assert User.objects.filter(email="race@example.com").count() == 1
    assert Organization.objects.count() == 1
