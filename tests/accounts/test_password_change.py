"""Changing the password with PATCH /api/users/@me/ (docs/api.md §2.13)."""

import pytest
from rest_framework.test import APIClient

from accounts import freshness
from accounts.models import SecurityEvent
from tests.conftest import PASSWORD

ME = "/api/users/@me/"
NEW_PASSWORD = "a brand new passphrase 99"


def _logged_in(user):
    client = APIClient()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_the_current_password_is_required(make_user, session_client):
    response = session_client(make_user()).patch(ME, {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == ("required", "current_password")


def test_a_wrong_current_password_changes_nothing(make_user, session_client):
    user = make_user(first_name="Ada")
    response = session_client(user).patch(
        ME,
        {"first_name": "Grace", "password": NEW_PASSWORD, "current_password": "wrong"},
        format="json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == (
        "incorrect_password",
        "current_password",
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.first_name == "Ada"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short", "password_too_short"),
        ("password123", "password_too_common"),
        ("9" * 12, "password_entirely_numeric"),
    ],
)
def test_django_password_validators_apply(make_user, session_client, password, code):
    user = make_user(first_name="Ada")
    response = session_client(user).patch(
        ME,
        {"first_name": "Grace", "password": password, "current_password": PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["attr"]) == (code, "password")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.first_name == "Ada"


def test_a_change_keeps_this_session_and_ends_the_others(
    make_user, queued_emails, django_capture_on_commit_callbacks
):
    user = make_user(first_name="Ada")
    this, other = _logged_in(user), _logged_in(user)
    session = this.session
    freshness.stamp(session)
    session.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = this.patch(
            ME, {"password": NEW_PASSWORD, "current_password": PASSWORD}, format="json"
        )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert this.get(ME).status_code == 200
    assert other.get(ME).status_code == 401
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.PASSWORD_CHANGED
    ).exists()
    assert [(e["template"], e["to"]) for e in queued_emails] == [("password_changed", user.email)]
    assert queued_emails[0]["context"] == {"first_name": "Ada", "email": user.email}


def test_a_user_without_a_usable_password_sets_one_without_the_current(
    make_user, session_client, queued_emails
):
    user = make_user(password=None)
    response = session_client(user).patch(ME, {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["has_password"] is True
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_correct_current_password_is_proof_enough(make_user, session_client):
    user = make_user()
    response = session_client(user, fresh=False).patch(
        ME, {"password": NEW_PASSWORD, "current_password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_stale_session_cannot_guess_the_current_password_for_free(make_user, session_client):
    response = session_client(make_user(), fresh=False).patch(
        ME, {"password": NEW_PASSWORD, "current_password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "incorrect_password"


def test_setting_a_first_password_needs_a_recent_proof(make_user, session_client):
    user = make_user(password=None)  # no usable password: nothing to send as current_password

    stale = session_client(user, fresh=False).patch(ME, {"password": NEW_PASSWORD})
    fresh = session_client(user).patch(ME, {"password": NEW_PASSWORD})

    assert stale.status_code == 403
    assert stale.json()["code"] == "sensitive_action_required_reauth"
    assert fresh.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_guesses_of_the_current_password_are_throttled(make_user, session_client):
    client = session_client(make_user())
    body = {"password": NEW_PASSWORD, "current_password": "wrong"}
    for _ in range(5):
        assert client.patch(ME, body, format="json").status_code == 400

    response = client.patch(ME, body, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response.headers["Retry-After"]) > 0
    # Requests that carry no current password are not counted nor refused.
    assert client.patch(ME, {"first_name": "Still"}, format="json").status_code == 200
