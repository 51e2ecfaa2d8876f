"""Session writes need the CSRF token; session-creating responses hand it out (docs/api.md §1.3)."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

KEYS = "/api/personal_api_keys/"
NEW_KEY = {"label": "CI", "scopes": ["user:read"]}


@pytest.fixture
def browser():
    return APIClient(enforce_csrf_checks=True)


def log_in(client, make_user):
    make_user(email="ada@example.com")
    response = client.post("/api/login/", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 200
    return response.cookies["csrftoken"].value


def test_login_needs_no_token_and_hands_one_out(browser, make_user):
    assert log_in(browser, make_user)


def test_signup_hands_out_a_token(browser, db, monkeypatch):
    monkeypatch.setattr(
        "accounts.services.email_verification.send_verification_code", lambda *, user: None
    )
    response = browser.post(
        "/api/signup/", {"email": "new@example.com", "password": PASSWORD, "first_name": "N"}
    )

    assert response.status_code == 201
    assert response.cookies["csrftoken"].value


def test_a_session_write_without_the_token_is_refused(browser, make_user):
    log_in(browser, make_user)

    response = browser.post(KEYS, NEW_KEY, format="json")

    assert response.status_code == 403
    assert response.json()["type"] == "authentication_error"
    assert response.json()["code"] == "permission_denied"


def test_a_session_write_with_a_wrong_token_is_refused(browser, make_user):
    log_in(browser, make_user)

    response = browser.post(KEYS, NEW_KEY, format="json", HTTP_X_CSRFTOKEN="x" * 64)

    assert response.status_code == 403


def test_a_session_write_echoing_the_cookie_succeeds(browser, make_user):
    token = log_in(browser, make_user)

    response = browser.post(KEYS, NEW_KEY, format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201


def test_reads_need_no_token(browser, make_user):
    log_in(browser, make_user)

    assert browser.get(KEYS).status_code == 200


def test_logout_with_a_session_needs_the_token(browser, make_user):
    token = log_in(browser, make_user)

    assert browser.post("/api/logout/").status_code == 403
    assert browser.get(KEYS).status_code == 200
    assert browser.post("/api/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert browser.get(KEYS).status_code == 401


def test_api_keys_need_no_csrf_token(make_api_key):
    _, value = make_api_key("*")
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")

    # A key cannot call session-only writes, but it is refused for that, not for CSRF.
    response = client.post(KEYS, NEW_KEY, format="json")

    assert response.status_code == 403
    assert "CSRF" not in response.json()["detail"]
