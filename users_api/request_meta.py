"""Who is on the other end of a request, for the security events its use case records.

Built here, on the HTTP side, so services take a ``RequestMeta`` and never the request.
"""

import ipaddress
from typing import cast

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.services.security_events import RequestMeta


def request_meta(request: HttpRequest | Request) -> RequestMeta:
    """The client address and user agent of an API or admin request."""
    # DRF's get_ident honours NUM_PROXIES for X-Forwarded-For, like the throttles do; it reads
    # only ``request.META``, which the admin's Django request has too.
    ip = BaseThrottle().get_ident(cast(Request, request)) or None
    return RequestMeta(ip=_valid_ip(ip), user_agent=request.META.get("HTTP_USER_AGENT", "")[:512])


def _valid_ip(value: str | None) -> str | None:
    """The address, or None: ``X-Forwarded-For`` is client-controlled text, not always an IP."""
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None
