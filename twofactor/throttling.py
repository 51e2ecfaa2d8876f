"""Atomic rate limits for the endpoints that check codes and passwords (SPEC §1.8).

DRF's throttle reads a history list, appends and writes it back: parallel requests all read the
same list and all pass. Here each request is one atomic ``INCR`` on a counter that lives for the
window, so a burst of N parallel guesses gets exactly the budget through and no more. They guard
secrets, so an unreachable cache refuses (503) rather than allowing.
"""

import logging
import time
from typing import TYPE_CHECKING

from django.core.cache import cache
from rest_framework.request import Request

from accounts import login_flow
from users_api.errors import ServiceUnavailable
from users_api.throttling import RateThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class AtomicRateThrottle(RateThrottle):
    """A fixed window per key, started by the key's first request; counted with ``INCR``."""

    fail_closed = True

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        # Not DRF's "throttle:<scope>:…": a history-list throttle of the same scope and ident
        # elsewhere must never read this integer counter (or we its list).
        ident = self.key_for(request, view)
        return None if ident is None else f"throttle-atomic:{self.scope}:{ident}"

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        try:
            count, started_at = self._hit(key)
        except Exception as exc:
            logger.warning("throttle %s: cache unavailable, refusing", self.scope)
            raise ServiceUnavailable() from exc
        self._wait = max(1.0, started_at + self.duration - time.time())
        return count <= self.num_requests

    def _hit(self, key: str) -> tuple[int, float]:
        now = time.time()
        for _ in range(2):
            cache.add(f"{key}:start", now, timeout=self.duration)
            cache.add(key, 0, timeout=self.duration)
            try:
                count = cache.incr(key)
            except ValueError:  # the window expired between add() and incr(): start again
                continue
            return count, cache.get(f"{key}:start", now)
        raise RuntimeError("throttle counter keeps expiring")

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


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
    """The same budget, for re-authentication requests that carry a code."""

    def key_for(self, request: Request, view: "APIView") -> str | None:
        data = request.data
        if not isinstance(data, dict) or data.get("token") in (None, ""):
            return None
        return super().key_for(request, view)


class ReauthenticatePasswordThrottle(AtomicRateThrottle):
    """Password guesses through re-authentication, at the login rate per email (own counter)."""

    scope = "login_email"

    def key_for(self, request: Request, view: "APIView") -> str | None:
        user = request.user
        return user.email.lower() if user.is_authenticated else None
