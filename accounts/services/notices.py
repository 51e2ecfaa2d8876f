"""What follows a change to an account's security: the audit row and the owner's email.

One sequence for every such change (password, second factor, passkeys, a new device, an
administrator's act), so none forgets the record or the notice. A change that adds or replaces
a way in also ends the account's other sessions first.
"""

from typing import Any

from accounts import emails
from accounts.models import SecurityEvent, User
from accounts.services import security_events, sessions
from accounts.services.security_events import RequestMeta


def record_and_notify(
    *,
    user: User,
    event: SecurityEvent.Type,
    template: str,
    meta: RequestMeta | None = None,
    event_context: dict[str, Any] | None = None,
    email_context: dict[str, Any] | None = None,
    end_sessions: bool = False,
    keep_session_key: str | None = None,
) -> None:
    """Record ``event`` for ``user`` and queue ``template`` to them (sent after commit).

    With ``end_sessions`` every session but ``keep_session_key`` ends first.
    """
    if end_sessions:
        sessions.revoke_all_sessions(user=user, keep_session_key=keep_session_key)
    security_events.record(type=event, user=user, meta=meta, context=event_context)
    notify(user=user, template=template, email_context=email_context)


def notify(*, user: User, template: str, email_context: dict[str, Any] | None = None) -> None:
    """Queue ``template`` to ``user`` (sent after commit); the caller recorded the event.

    Only for a change that records its event in the same statement as the change itself
    (backup-code regeneration on PostgreSQL); every other change uses ``record_and_notify``.
    """
    emails.queue(
        template=template,
        to=user.email,
        context={"first_name": user.first_name, "email": user.email, **(email_context or {})},
    )
