"""Session creation and the remembered password step of a two-factor login (docs/api.md §2.14).

These functions work on the HTTP session, so only views call them. ``/api/login/`` stores the
password step; ``/api/login/token/`` (twofactor) reads it back and completes the login.
"""

from datetime import timedelta
from typing import Any

from django.contrib.auth import SESSION_KEY, login
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

from accounts import freshness
from accounts.models import LoginSession, Passkey, User
from accounts.services import login_sessions
from users_api.request_meta import request_meta

PASSWORD_STEP_KEY = "_2fa_password_step"  # noqa: S105 - a session key name
PASSWORD_STEP_TTL = timedelta(minutes=10)
# The session's login-session row: {"id", "key" (the session key it was last seen under), "seen"}.
LOGIN_SESSION_KEY = "_login_session"
# Set by start_session: the login flows ask for the second factor of any user who has one.
SECOND_FACTOR_KEY = "_second_factor_checked"
# Sessions opened here read their user through a prepared query (accounts/backends.py).
_BACKEND = "accounts.backends.SessionUserBackend"


def start_session(
    request: HttpRequest,
    user: User,
    *,
    method: str = LoginSession.Method.PASSWORD,
    password_proved: bool = True,
) -> None:
    """Log the user in: a new session key, a fresh CSRF token, a listed login session and, if
    the password was just proved, the freshness stamp (docs/api.md §1.6).

    A session opened by an emailed code (``verify_email``) proved no password, so it starts
    without the stamp: sensitive writes ask for ``/api/reauthenticate/`` first. ``method`` is
    how the user signed in, as the sessions list shows it.
    """
    previous = request.session.get(LOGIN_SESSION_KEY)
    login(request, user, backend=_BACKEND)
    if isinstance(previous, dict):  # signed in again over a session: that row is replaced
        LoginSession.objects.filter(pk=previous.get("id"), user=user).delete()
    if password_proved:
        freshness.stamp(request.session)
    request.session[SECOND_FACTOR_KEY] = True
    rotate_token(request)  # sets the csrftoken cookie on this response
    row = login_sessions.open_login_session(
        user=user,
        session_key=request.session.session_key or "",
        method=method,
        meta=request_meta(request),
    )
    request.session[LOGIN_SESSION_KEY] = {
        "id": str(row.pk),
        "key": request.session.session_key,
        "seen": timezone.now().timestamp(),
    }


def current_login_session_id(request: HttpRequest) -> str | None:
    tracked = request.session.get(LOGIN_SESSION_KEY)
    return tracked.get("id") if isinstance(tracked, dict) else None


def track_activity(request: HttpRequest) -> None:
    """After a request: follow a rotated session key, stamp ``last_activity`` once a minute.

    Costs nothing on most requests (the session data is already loaded); writes at most one
    UPDATE a minute per session, or when the key rotated. A row that is gone means the session
    was ended meanwhile: it is logged out here too.
    """
    session = getattr(request, "session", None)
    if session is None or not session.accessed or SESSION_KEY not in session:
        return
    tracked = session.get(LOGIN_SESSION_KEY)
    if not isinstance(tracked, dict) or not isinstance(tracked.get("seen"), int | float):
        return
    now = timezone.now()
    activity = now.timestamp() - tracked["seen"] >= (
        login_sessions.ACTIVITY_WRITE_INTERVAL.total_seconds()
    )
    rotated = tracked.get("key") != session.session_key
    if not (activity or rotated):
        return
    found = login_sessions.record_activity(
        login_session_id=tracked.get("id"),
        session_key=session.session_key or "",
        now=now,
        activity=activity,
    )
    if not found:
        session.flush()
        return
    session[LOGIN_SESSION_KEY] = {
        **tracked,
        "key": session.session_key,
        "seen": now.timestamp() if activity else tracked["seen"],
    }


def needs_second_factor(user: User) -> bool:
    """TOTP (a django-otp device) or passkeys turned on as the second factor (docs/api.md §2.18)."""
    if user.passkeys_enabled_for_2fa and Passkey.objects.filter(user=user).exists():
        return True
    return user_has_device(user, confirmed=True)


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


def passed_second_factor(session: Any) -> bool:
    """Whether this session is known to have passed the user's second factor, if any, without a
    query: django-otp verified it (TOTP or backup code), or ``start_session`` opened it (every
    caller asks for the second factor of a user who has one, and enabling 2FA ends every other
    session). Otherwise the caller must look at the user's devices.
    """
    return bool(session.get(DEVICE_ID_SESSION_KEY) or session.get(SECOND_FACTOR_KEY))


def forget_password_step(request: HttpRequest) -> None:
    request.session.pop(PASSWORD_STEP_KEY, None)
