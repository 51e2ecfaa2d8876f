"""Background work of the accounts app: the password-reset email, pruning login sessions.

The outbox's own tasks (``send_templated_email``, ``send_pending_emails``) are in
``outbox.tasks``.
"""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator

from accounts import emails
from accounts.models import SecurityEvent, User
from accounts.services import login_sessions, security_events
from accounts.services.security_events import RequestMeta


@shared_task(acks_late=True, ignore_result=True)
def send_reset_link(*, email: str, ip: str | None, user_agent: str) -> None:
    """Email a reset link to the active account with ``email``, if there is one.

    The lookup happens here, in the background, so the request that asked for the link does the
    same work for known and unknown addresses (``accounts.services.password_reset``).
    """
    user = User.objects.filter(email__iexact=User.objects.normalize_email(email).strip()).first()
    if user is None or not user.is_active:
        return
    token = default_token_generator.make_token(user)
    meta = RequestMeta(ip=ip, user_agent=user_agent)
    security_events.record(type=SecurityEvent.Type.PASSWORD_RESET_REQUESTED, user=user, meta=meta)
    emails.queue(
        template="password_reset",
        to=user.email,
        context={
            "first_name": user.first_name,
            "email": user.email,
            "link": reset_link(user, token),
            "expires_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


def reset_link(user: User, token: str) -> str:
    base = settings.PASSWORD_RESET_URL
    if "{uuid}" in base and "{token}" in base:
        return base.replace("{uuid}", str(user.uuid)).replace("{token}", token)
    return f"{base.rstrip('/')}/{user.uuid}/{token}"


@shared_task(ignore_result=True)
def prune_expired_login_sessions() -> int:
    """Beat: expired sessions and the listed rows of sessions that are gone (docs/api.md §2.17)."""
    return login_sessions.prune_expired_login_sessions()
