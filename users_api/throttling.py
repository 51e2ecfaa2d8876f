"""Rate limits kept in the configured cache, so every web process shares them (docs/api.md §1.8).

Rates are settings (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``) and may use a multiplier,
e.g. ``6/20min``. Two mechanisms, one rule for choosing:

- Every throttle that guards a secret (a password, a second factor, an emailed code, a reset
  link) counts with ``AtomicRateThrottle``: DRF's own reads a history list, appends and writes it
  back, so parallel requests all read the same list and all pass; one atomic ``INCR`` per
  request lets a burst of N parallel guesses through up to the budget and no more. It fails
  closed (503) when the cache is down.
- The others (sign-up, onboarding, delegation, push tokens) keep DRF's history list through
  ``UserRateThrottle``/``IPRateThrottle``, where a small overshoot is harmless, and fail open
  with a warning when the cache is down.

Neither becomes a 500. The throttle classes themselves live in each app's ``throttling.py``.
"""

import logging
import re
import time
from typing import TYPE_CHECKING

import redis.exceptions
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from users_api.errors import ServiceUnavailable

if TYPE_CHECKING:
    # Imported lazily: rest_framework.views imports these classes through its settings.
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

# What an unreachable cache raises (socket errors are OSError). Anything else is a bug and must
# not pass for an outage: a 503 tells the client to retry the same request forever.
CACHE_UNAVAILABLE = (OSError, redis.exceptions.RedisError)

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


def parse_rate(rate: str | None) -> tuple[int | None, int | None]:
    if rate is None:
        return None, None
    match = _RATE.match(rate.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"Invalid throttle rate {rate!r}; use e.g. '10/min' or '6/20min'.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


class RateThrottle(throttling.SimpleRateThrottle):
    """Base for the project's throttles: subclasses set ``scope`` and implement ``key_for``.

    DRF's history list; open while the cache is down (for throttles that guard no secret).
    """

    def __init__(self) -> None:
        # Read the rate per instance so settings overrides (and tests) take effect.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return rate if isinstance(rate, str) else None

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        return parse_rate(rate)

    def key_for(self, request: Request, view: "APIView") -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        ident = self.key_for(request, view)
        return None if ident is None else f"throttle:{self.scope}:{ident}"

    def allow_request(self, request: Request, view: "APIView") -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_UNAVAILABLE:
            logger.warning("throttle %s: cache unavailable, allowing", self.scope)
            return True


class UserRateThrottle(RateThrottle):
    """Keyed by the authenticated user (anonymous callers are not counted here)."""

    def key_for(self, request: Request, view: "APIView") -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None


class IPRateThrottle(RateThrottle):
    def key_for(self, request: Request, view: "APIView") -> str | None:
        return self.get_ident(request)


class AtomicRateThrottle(RateThrottle):
    """A fixed window per key, started by the key's first request; counted with ``INCR``.

    For throttles that guard a secret: closed (503) while the cache is down.
    """

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
        if self.duration is None or self.num_requests is None:  # parse_rate gives both or none
            return True
        self._wait = max(1.0, started_at + self.duration - time.time())
        return count <= self.num_requests

    def _hit(self, key: str) -> tuple[int, float]:
        now = time.time()
        for _ in range(2):
            self.cache.add(f"{key}:start", now, timeout=self.duration)
            self.cache.add(key, 0, timeout=self.duration)
            try:
                count = self.cache.incr(key)
            except ValueError:  # the window expired between add() and incr(): start again
                continue
            return count, self.cache.get(f"{key}:start", now)
        raise RuntimeError("throttle counter keeps expiring")

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
