"""Login, sign-up and verify_email refuse other sites' browsers (issue 17 item 6: login CSRF)."""

import pytest
from django.contrib.auth import SESSION_KEY
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example"
APP = "https://app.example.com"


@pytest.fixture(autouse=True)
def _allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def _login(client: APIClient, email: str, **headers: str):
    return client.post("/api/login/", {"email": email, "password": PASSWORD}, **headers)


def test_a_cross_site_login_form_gets_no_session(make_user):
    user = make_user()
    client = APIClient()

    response = _login(client, user.email, HTTP_ORIGIN=EVIL)

    assert response.status_code == 403
    body = response.json()
    assert (body["type"], body["code"], body["attr"]) == (
        "authentication_error",
        "origin_not_allowed",
        None,
    )
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("origin", [None, "http://testserver", APP])
def test_no_origin_the_sites_own_and_allowed_origins_log_in(make_user, origin):
    user = make_user()
    client = APIClient()
    headers = {} if origin is None else {"HTTP_ORIGIN": origin}

    response = _login(client, user.email, **headers)

    assert response.status_code == 200
    assert client.get("/api/users/@me/").status_code == 200


def test_origin_null_is_refused(make_user):
    assert _login(APIClient(), make_user().email, HTTP_ORIGIN="null").status_code == 403


def test_a_cross_site_sign_up_creates_nothing():
    client = APIClient()
    response = client.post(
        "/api/signup/",
        {"email": "new@example.com", "password": PASSWORD, "first_name": "New"},
        HTTP_ORIGIN=EVIL,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert not User.objects.filter(email="new@example.com").exists()
    assert SESSION_KEY not in client.session


def test_a_cross_site_verify_email_spends_no_attempt_and_opens_no_session(make_user):
    user = make_user(is_email_verified=False)
    client = APIClient()
    response = client.post(
        "/api/users/verify_email/",
        {"uuid": str(user.uuid), "code": "123456"},
        format="json",
        HTTP_ORIGIN=EVIL,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert SESSION_KEY not in client.session
