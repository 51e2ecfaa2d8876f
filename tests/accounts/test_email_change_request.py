"""Asking for a new email address with PATCH /api/users/@me/ (docs/api.md §2.13, §1.6)."""

from datetime import timedelta

import time_machine
from django.utils import timezone

ME = "/api/users/@me/"


def test_a_fresh_session_stages_the_new_address_lower_cased(make_user, session_client):
    user = make_user(email="old@example.com")

    response = session_client(user).patch(ME, {"email": "New@Example.COM"}, format="json")

    assert response.status_code == 200
    assert response.json()["email"] == "old@example.com"
    assert response.json()["pending_email"] == "new@example.com"
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("old@example.com", "new@example.com")


def test_a_session_older_than_the_fresh_age_must_reauthenticate(make_user, session_client):
    user = make_user()
    client = session_client(user)

    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = client.patch(ME, {"email": "new@example.com"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "sensitive_action_required_reauth"
    user.refresh_from_db()
    assert user.pending_email is None


def test_a_session_without_a_password_proof_must_reauthenticate(make_user, session_client):
    response = session_client(make_user(), fresh=False).patch(
        ME, {"email": "new@example.com"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "sensitive_action_required_reauth"


def test_an_address_of_another_account_is_refused(make_user, session_client):
    make_user(email="taken@example.com")
    user = make_user()

    response = session_client(user).patch(ME, {"email": "TAKEN@example.com"}, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("unique", "email")
    user.refresh_from_db()
    assert user.pending_email is None


def test_sending_the_current_address_changes_nothing(make_user, session_client):
    user = make_user(email="same@example.com")
    response = session_client(user).patch(ME, {"email": "Same@example.com"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("same@example.com", None)


def test_an_invalid_address_is_refused(make_user, session_client):
    response = session_client(make_user()).patch(ME, {"email": "not an email"}, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("invalid_input", "email")
