"""Refuse passwords found in breach corpora: the Pwned Passwords range API (issue 16).

k-anonymity: only the first five hex characters of the password's SHA-1 leave the process; the
API answers every suffix it knows under that prefix, and the match is made here. ``Add-Padding``
makes every answer about the same size (padding lines carry a count of 0), so an observer of the
encrypted traffic learns nothing from its length. Ranges are cached for a day in the shared
cache. An unreachable, slow or failing API never blocks the user: the check fails open, logs a
warning and counts it (``failed_open``). Neither the password nor its hash is ever logged.
"""

import contextlib
import hashlib
import http.client
import logging
import threading
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0  # for the connection and for each read
CACHE_SECONDS = 24 * 60 * 60
_CACHE_KEY = "pwned-passwords:range:{prefix}"


class Counter:
    """A per-process counter for metrics (what a Prometheus client counter holds)."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def inc(self) -> None:
        with self._lock:
            self._value += 1

    @property
    def value(self) -> int:
        return self._value


# Metrics hook: checks that could not ask the API and let the password through.
failed_open = Counter()


class PwnedPasswordValidator:
    """A Django password validator; off when ``PWNED_PASSWORDS_URL`` is empty."""

    def validate(self, password: str, user: object = None) -> None:
        url = settings.PWNED_PASSWORDS_URL
        if not url:
            return
        # SHA-1 is the API's addressing scheme, not a password hash.
        digest = hashlib.sha1(password.encode("utf-8")).hexdigest().upper()  # noqa: S324
        suffixes = breached_suffixes(url, digest[:5])
        if suffixes is not None and digest[5:] in suffixes:
            raise ValidationError(
                "This password has appeared in a data breach; choose another one.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password must not appear in a known data breach."


def breached_suffixes(url: str, prefix: str) -> frozenset[str] | None:
    """The suffixes under ``prefix`` seen in breaches, or None when the API cannot tell."""
    key = _CACHE_KEY.format(prefix=prefix)
    try:
        cached = cache.get(key)
    except Exception:  # an unreachable cache is a miss, never a refusal
        cached = None
    if cached is not None:
        return frozenset(cached.split(",")) if cached else frozenset()
    try:
        suffixes = _fetch_range(url, prefix)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # timeouts are OSErrors
        failed_open.inc()
        logger.warning(
            "breached-password check unavailable; password accepted",
            extra={"reason": type(exc).__name__},
        )
        return None
    with contextlib.suppress(Exception):  # the cache is an optimisation only
        cache.set(key, ",".join(sorted(suffixes)), CACHE_SECONDS)
    return suffixes


def _fetch_range(url: str, prefix: str) -> frozenset[str]:
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
        url.rstrip("/") + "/" + prefix,
        headers={"Add-Padding": "true", "User-Agent": "users-api"},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        body = response.read().decode("ascii")
    suffixes = set()
    for line in body.splitlines():
        suffix, _, count = line.strip().partition(":")
        if int(count or 0) > 0:  # padding lines have a count of 0
            suffixes.add(suffix.upper())
    return frozenset(suffixes)
