"""Fixtures for the two-factor tests: a frozen clock, enabled TOTP, a pending password step."""

import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import login_flow
from accounts.models import User
from twofactor import totp
from twofactor.services import setup

STEP = 30


@pytest.fixture
def clock(time_machine: Any) -> Any:
    """Time stands still, 10 s into a 30-second TOTP step; ``clock.shift(seconds)`` moves it."""
    now = int(time.time())
    time_machine.move_to(now - now % STEP + 10, tick=False)
    return time_machine


@pytest.fixture
def enable_totp(clock: Any) -> Callable[[User], pyotp.TOTP]:
    """Enable TOTP for a user (through the service) and move to the next step.

    The enabling step is burned (a code works once), hence the move. Enabling revokes the user's
    sessions, so make session clients after calling this.
    """

    def enable(user: User) -> pyotp.TOTP:
        secret = totp.new_secret()
        authenticator = pyotp.TOTP(totp.to_base32(secret))
        device = setup.confirm_totp_setup(user=user, secret=secret, code=authenticator.now())
        assert device is not None
        clock.shift(STEP)
        return authenticator

    return enable


@pytest.fixture
def password_step_client() -> Callable[[User], APIClient]:
    """A client whose session holds the password step of ``user``, as ``/api/login/`` leaves it.

    Written like ``login_flow.remember_password_step``; the lead switches this to a real
    ``POST /api/login/`` once the login view is merged.
    """

    def make(user: User) -> APIClient:
        client = APIClient()
        session = client.session
        session[login_flow.PASSWORD_STEP_KEY] = {
            "user_id": user.pk,
            "at": timezone.now().timestamp(),
            "auth": User.objects.get(pk=user.pk).get_session_auth_hash(),
        }
        session.save()
        return client

    return make


@pytest.fixture
def sent_emails(queued_emails: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Emails handed to the task queue (after commit): template, to and context of each."""
    return queued_emails
