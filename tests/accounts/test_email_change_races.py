"""Confirming an email change racing a new change or a cancellation, on PostgreSQL.

Each race is forced (``tests/races.py``): a transaction holds the user row until the change
request and then the confirmation queue behind it; each test says which serial order its
outcome is.
"""

import pytest
from rest_framework.test import APIClient

from accounts.models import EmailVerificationCode, User
from accounts.services import email_verification
from tests.accounts.email_support import CANCEL_URL, VERIFY_URL
from tests.races import queued_behind

ME = "/api/users/@me/"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def user(make_user, queued_emails):
    """A user with a change to new@example.com pending; ``user.code`` is the code sent."""
    user = make_user(email="old@example.com")
    email_verification.request_email_change(user=user, new_email="new@example.com")
    user.code = queued_emails[-1]["context"]["code"]
    return user


def race(user, request):
    """``request`` queues on the user row first, then the confirmation of ``user.code``."""
    body = {"uuid": str(user.uuid), "code": user.code}
    return queued_behind(
        lambda: User.objects.select_for_update().get(pk=user.pk),
        request,
        lambda: APIClient().post(VERIFY_URL, body, format="json"),
    )


def test_a_new_change_then_the_old_code(user, session_client):
    client = session_client(user)

    changed, verified = race(
        user, lambda: client.patch(ME, {"email": "other@example.com"}, format="json")
    )

    # The new address is staged with a new code, so the old code no longer matches.
    assert changed.status_code == 200, changed.content
    assert verified.status_code == 400
    assert verified.json()["code"] == "invalid_code"
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("old@example.com", "other@example.com")
    assert EmailVerificationCode.objects.get(user=user).target_email == "other@example.com"


def test_a_cancellation_then_the_code(user, session_client):
    client = session_client(user)

    cancelled, verified = race(user, lambda: client.patch(CANCEL_URL))

    # The change is cancelled with its code, so the code no longer matches.
    assert cancelled.status_code == 200, cancelled.content
    assert verified.status_code == 400
    assert verified.json()["code"] == "invalid_code"
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("old@example.com", None)
    assert not EmailVerificationCode.objects.exists()
