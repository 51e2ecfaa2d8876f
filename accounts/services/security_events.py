"""Record security events (docs/api.md §3). Context is small JSON and never holds a secret."""

import ipaddress
from dataclasses import dataclass
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.models import SecurityEvent, User


@dataclass(frozen=True)
class RequestMeta:
    """Who was on the other end: built by the view, so services never take the request."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request: Request) -> "RequestMeta":
        # DRF's get_ident honours NUM_PROXIES for X-Forwarded-For, like the throttles do.
        ip = BaseThrottle().get_ident(request) or None
        return cls(ip=_valid_ip(ip), user_agent=request.META.get("HTTP_USER_AGENT", "")[:512])


def _valid_ip(value: str | None) -> str | None:
    """The address, or None: ``X-Forwarded-For`` is client-controlled text, not always an IP."""
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


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
