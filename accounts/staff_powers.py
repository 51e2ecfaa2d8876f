"""What one account may do to another (issue 17): ranks, never a key, a fresh session.

Staff may make ordinary changes to ordinary accounts. Anything that could hand over an account
(its email, password, staff status, second factor, deletion) and any act on a staff member or a
superuser is for a superuser only, from their own session re-authenticated within
``FRESH_REAUTH_MAX_AGE``. A key is never enough: a leaked staff key must not chain into takeovers.
"""

from django.conf import settings
from rest_framework.request import Request

from accounts import errors, freshness
from accounts.models import PersonalAPIKey, SecurityEvent, User
from accounts.services import notices
from accounts.services.security_events import RequestMeta


def check_may_act_on(request: Request, user: User, *, sensitive: bool) -> None:
    """Refuse (403) a write of the caller on ``user`` that the caller's rank does not allow."""
    caller = request.user
    if user.pk == caller.pk or not (sensitive or user.is_staff or user.is_superuser):
        return
    if not caller.is_superuser:
        raise errors.ProfileChangeRefusedError(
            "Only a superuser may make this change to another account."
        )
    if isinstance(request.auth, PersonalAPIKey):
        raise errors.ProfileChangeRefusedError(
            "API keys cannot make this change to another account; use a session."
        )
    if not freshness.is_within(request.session, settings.FRESH_REAUTH_MAX_AGE):
        raise errors.ReauthenticationRequiredError


def record_act(*, user: User, by: User, what: str, meta: RequestMeta | None) -> None:
    """Audit a superuser's sensitive act on another account and tell the account's owner."""
    notices.record_and_notify(
        user=user,
        event=SecurityEvent.Type.CHANGED_BY_ADMINISTRATOR,
        template="changed_by_administrator",
        meta=meta,
        event_context={"by_user_id": by.pk, "what": what},
        email_context={"by_email": by.email, "what": what},
    )
