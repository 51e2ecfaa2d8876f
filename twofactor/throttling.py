"""Rate limits of the second factor, re-authentication and the admin login form, on the atomic
counter (docs/api.md §1.8).
"""

import logging
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from rest_framework.request import Request

from accounts import login_flow
from accounts.throttling import LoginEmailThrottle
from users_api.throttling import AtomicRateThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


_SPENT_ATTR = "_two_factor_budget_keys"


class TwoFactorVerifyThrottle(AtomicRateThrottle):
    """``two_factor_verify``: a budget of *failed* code checks per user (setup validation).

    Each attempt reserves one unit with the atomic ``INCR`` (so parallel guesses cannot exceed
    the budget); the view gives it back with ``refund_attempt`` when the code was accepted or
    never checked. What stays spent is failures only, so a correct code is never refused
    because of earlier correct ones.
    """

    scope = "two_factor_verify"

    def key_for(self, request: Request, view: "APIView") -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        allowed = super().allow_request(request, view)
        key = self.get_cache_key(request, view)
        if allowed and key is not None:
            setattr(request, _SPENT_ATTR, [*getattr(request, _SPENT_ATTR, []), key])
        return allowed


def refund_attempt(request: Request) -> None:
    """Give back the unit this request reserved: its code was accepted or not checked."""
    keys = getattr(request, _SPENT_ATTR, [])
    setattr(request, _SPENT_ATTR, [])
    for key in keys:
        try:
            cache.decr(key)
        except ValueError:  # the window ended meanwhile: nothing left to give back
            pass
        except Exception:  # a failed refund only costs the user one unit of budget
            logger.warning("throttle two_factor_verify: cache unavailable, refund lost")


def reset_budget(user_id: int) -> None:
    """Forget a user's failed attempts (staff clearing a lockout)."""
    key = f"throttle-atomic:{TwoFactorVerifyThrottle.scope}:{user_id}"
    cache.delete_many([key, f"{key}:start"])


class LoginTokenThrottle(TwoFactorVerifyThrottle):
    """The same budget, for the login second step: keyed by the user of the password step."""

    def key_for(self, request: Request, view: "APIView") -> str | None:
        user = login_flow.pending_password_step(request)
        return str(user.pk) if user is not None else None


class ReauthenticateTokenThrottle(TwoFactorVerifyThrottle):
    """The same budget, for re-authentication requests that carry a code or a passkey."""

    def key_for(self, request: Request, view: "APIView") -> str | None:
        data = request.data
        if not isinstance(data, dict) or all(
            data.get(name) in (None, "") for name in ("token", "passkey")
        ):
            return None
        return super().key_for(request, view)


class ReauthenticatePasswordThrottle(AtomicRateThrottle):
    """Password guesses through re-authentication, at the login rate per email (own counter)."""

    scope = "login_email"

    def key_for(self, request: Request, view: "APIView") -> str | None:
        user = request.user
        return user.email.lower() if user.is_authenticated else None


class AdminEmailThrottle(LoginEmailThrottle):
    """``/api/login/``'s per-email counter (same scope and key), read from the admin form."""

    def key_for(self, request: Request, view: Any) -> str | None:
        return super().key_for(_EmailOnly(request.data.get("username")), view)


class _EmailOnly:
    def __init__(self, email: Any) -> None:
        self.data = {"email": email}
