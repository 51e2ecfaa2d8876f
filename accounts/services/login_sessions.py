"""Login sessions (docs/api.md §2.17): open one at sign-in, record activity, end, prune.

The HTTP session itself is handled by ``accounts.login_flow``; these functions take its key.
"""

from datetime import datetime, timedelta

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts import devices
from accounts.models import KnownDevice, LoginSession, SecurityEvent, User
from accounts.services import notices, security_events, sessions
from accounts.services.security_events import RequestMeta

# ``last_activity`` is written at most this often per session (not on every request).
ACTIVITY_WRITE_INTERVAL = timedelta(minutes=1)


def open_login_session(
    *, user: User, session_key: str, method: str, meta: RequestMeta
) -> LoginSession:
    """Track a new session; a sign-in from a device the user never used before is announced.

    The very first device of an account (sign-up) is only remembered: there is nothing to
    compare it with, and the owner is the one signing up. A known device costs one UPDATE.
    """
    now = timezone.now()
    device = devices.label(meta.user_agent)
    login_session = LoginSession.objects.create(
        user=user,
        session_key=session_key,
        created_at=now,
        last_activity_at=now,
        ip=meta.ip,
        user_agent=meta.user_agent[:512],
        device=device,
        login_method=method,
    )
    if KnownDevice.objects.filter(user=user, device=device).update(last_seen_at=now):
        return login_session
    had_devices = KnownDevice.objects.filter(user=user).exists()
    _, created = KnownDevice.objects.get_or_create(
        user=user, device=device, defaults={"first_seen_at": now, "last_seen_at": now}
    )
    if created and had_devices:
        notices.record_and_notify(
            user=user,
            event=SecurityEvent.Type.NEW_DEVICE_SIGN_IN,
            template="new_device_sign_in",
            meta=meta,
            event_context={"device": device, "login_method": method},
            email_context={
                "device": device,
                "ip": meta.ip or "unknown",
                "at": now.strftime("%Y-%m-%d %H:%M UTC"),
            },
        )
    return login_session


def record_activity(
    *, login_session_id: str, session_key: str, now: datetime, activity: bool
) -> bool:
    """Follow a rotated session key and, if ``activity``, stamp ``last_activity``.

    False when the row is gone: the session was ended meanwhile.
    """
    fields: dict[str, object] = {"session_key": session_key}
    if activity:
        fields["last_activity_at"] = now
    return LoginSession.objects.filter(pk=login_session_id).update(**fields) == 1


def end_login_session(*, login_session: LoginSession, meta: RequestMeta, by: User) -> None:
    """End one session at once (its owner from the API, or staff from the admin).

    The user row is share-locked before the session row: a password change or an account
    deletion locks it and then deletes every session row.
    """
    with transaction.atomic():
        User.objects.lock_for_key_share(login_session.user_id)
        sessions.end_login_sessions([login_session])
        security_events.record(
            type=SecurityEvent.Type.LOGIN_SESSION_ENDED,
            user=login_session.user,
            meta=meta,
            context=_context(by=by, user_id=login_session.user_id, device=login_session.device),
        )


def end_other_login_sessions(*, user: User, keep_session_key: str, meta: RequestMeta) -> int:
    """End every session of ``user`` but the caller's; return how many listed ones ended."""
    with transaction.atomic():
        count = sessions.revoke_all_sessions(user=user, keep_session_key=keep_session_key)
        security_events.record(
            type=SecurityEvent.Type.LOGIN_SESSION_ENDED,
            user=user,
            meta=meta,
            context={"others": True, "count": count},
        )
    return count


def end_all_login_sessions(*, user: User, meta: RequestMeta, by: User) -> int:
    """Staff: sign the user out everywhere."""
    with transaction.atomic():
        count = sessions.revoke_all_sessions(user=user)
        security_events.record(
            type=SecurityEvent.Type.LOGIN_SESSION_ENDED,
            user=user,
            meta=meta,
            context={**_context(by=by, user_id=user.pk, device=None), "count": count},
        )
    return count


def _context(*, by: User, user_id: int, device: str | None) -> dict[str, object]:
    context: dict[str, object] = {} if device is None else {"device": device}
    if by.pk != user_id:
        context["by_user_id"] = by.pk
    return context


def prune_expired_login_sessions() -> int:
    """Delete expired sessions from the database and the rows of sessions that are gone.

    Redis drops expired session entries by itself (they carry the session's TTL).
    """
    Session.objects.filter(expire_date__lte=timezone.now()).delete()
    removed, _ = LoginSession.objects.exclude(
        pk__in=LoginSession.objects.live().values("pk")
    ).delete()
    return removed
