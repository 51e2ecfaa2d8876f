"""Session creation and the remembered password step of a two-factor login (SPEC §2.14).

These functions work on the HTTP session, so only views call them. ``/api/login/`` stores the
password step; ``/api/login/token/`` (twofactor) reads it back and completes the login.
"""

from datetime import timedelta

from django.contrib.auth import login
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts import freshness
from accounts.models import User

PASSWORD_STEP_KEY = "_2fa_password_step"  # noqa: S105 - a session key name
PASSWORD_STEP_TTL = timedelta(minutes=10)
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def start_session(request: HttpRequest, user: User, *, password_proved: bool = True) -> None:
    """Log the user in: a new session key, a fresh CSRF token and, if the password was just
    proved, the freshness stamp (SPEC §1.6).

    A session opened by an emailed code (``verify_email``) proved no password, so it starts
    without the stamp: sensitive writes ask for ``/api/reauthenticate/`` first.
    """
    login(request, user, backend=_BACKEND)
    if password_proved:
        freshness.stamp(request.session)
    rotate_token(request)  # sets the csrftoken cookie on this response


def remember_password_step(request: HttpRequest, user: User) -> None:
    """Remember, for 10 minutes, that this client proved the password of ``user``.

    Bound to the user's session auth hash, so a password reset or any revocation of the user's
    sessions also ends the pending login.
    """
    request.session[PASSWORD_STEP_KEY] = {
        "user_id": user.pk,
        "at": timezone.now().timestamp(),
        "auth": user.get_session_auth_hash(),
    }


def pending_password_step(request: HttpRequest) -> User | None:
    """The user whose password this client proved in the last 10 minutes, if any."""
    step = request.session.get(PASSWORD_STEP_KEY)
    if not isinstance(step, dict):
        return None
    at = step.get("at")
    if not isinstance(at, int | float):
        return None
    if timezone.now().timestamp() - at > PASSWORD_STEP_TTL.total_seconds():
        return None
    user = User.objects.filter(pk=step.get("user_id"), is_active=True).first()
    auth = step.get("auth")
    if user is None or not isinstance(auth, str):
        return None
    return user if constant_time_compare(auth, user.get_session_auth_hash()) else None


def forget_password_step(request: HttpRequest) -> None:
    request.session.pop(PASSWORD_STEP_KEY, None)
