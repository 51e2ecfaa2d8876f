"""Record security events (docs/api.md §3). Context is small JSON and never holds a secret."""

from dataclasses import dataclass
from typing import Any

from accounts.models import SecurityEvent, User


@dataclass(frozen=True)
class RequestMeta:
    """Who was on the other end: built by the view (``users_api.request_meta``), so services never
    take the request.
    """

    ip: str | None = None
    user_agent: str = ""


def record(
    *,
    type: SecurityEvent.Type,
    user: User | None,
    meta: RequestMeta | None = None,
    context: dict[str, Any] | None = None,
) -> SecurityEvent:
    meta = meta or RequestMeta()
    return SecurityEvent.objects.create(
        user=user, type=type, ip=meta.ip, user_agent=meta.user_agent, context=context or {}
    )
