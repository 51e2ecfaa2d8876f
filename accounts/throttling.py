"""Rate limits of the accounts routes (docs/api.md §1.8).

The ones that guard a secret (a password, an emailed code, a reset link) count with the atomic
counter and fail closed (503) when the cache is down; sign-up and onboarding skip guard nothing
secret, so DRF's history list (where a parallel burst may overshoot) and failing open will do.
"""

import hashlib
import uuid as uuid_lib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from accounts import lookup
from accounts.models.user import UserManager
from users_api.throttling import AtomicRateThrottle, IPRateThrottle, UserRateThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView


def _body(request: Request) -> Mapping[str, Any]:
    """The parsed body if it is an object; anything else is left for the serializer to refuse."""
    return request.data if isinstance(request.data, Mapping) else {}


def _email_digest(value: Any) -> str | None:
    """One key per address however it is spelled (``A@x.io `` and ``a@x.io``), never the address
    itself; None when there is no address to count (the serializer refuses the request).
    """
    if not isinstance(value, str) or not value.strip():
        return None
    # surrogatepass: a lone surrogate ("\ud800") has no UTF-8 form; the serializer refuses it.
    normalized = UserManager.normalize_email(value)
    return hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()


class AtomicIPThrottle(AtomicRateThrottle):
    def key_for(self, request: Request, view: "APIView") -> str | None:
        return self.get_ident(request)


# --- Login (docs/api.md §2.14) -----------------------------------------------------------------


class LoginIPThrottle(AtomicIPThrottle):
    scope = "login_ip"


class LoginEmailThrottle(AtomicRateThrottle):
    """Per attempted email however it is spelled: ``A@x.io `` and ``a@x.io`` share a counter."""

    scope = "login_email"

    def key_for(self, request: Request, view: "APIView") -> str | None:
        return _email_digest(_body(request).get("email"))


class SignupThrottle(IPRateThrottle):
    scope = "signup"


# --- Password change and reset (docs/api.md §2.13, §2.16) --------------------------------------


class PasswordChangeThrottle(AtomicRateThrottle):
    """Limits guesses of the current password: counts only requests that carry one."""

    scope = "password_change"

    def key_for(self, request: Request, view: "APIView") -> str | None:
        return str(request.user.pk) if request.user.is_authenticated else None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        # A read carries no password: it never parses a body for this.
        if request.method in SAFE_METHODS or "current_password" not in _body(request):
            return True
        return super().allow_request(request, view)


class PasswordResetEmailThrottle(AtomicRateThrottle):
    """Per address however it is spelled; the address itself is not kept in the cache key."""

    scope = "password_reset_email"

    def key_for(self, request: Request, view: "APIView") -> str | None:
        # None: refused by the serializer; the IP throttle counted it.
        return _email_digest(_body(request).get("email"))


class PasswordResetIPThrottle(AtomicIPThrottle):
    scope = "password_reset_ip"


class PasswordResetConfirmIPThrottle(AtomicIPThrottle):
    scope = "password_reset_confirm_ip"


# --- Email verification codes (docs/api.md §2.10-§2.11) ----------------------------------------


class TargetUserThrottle(AtomicRateThrottle):
    """Keyed by the ``uuid`` in the body, whether or not such a user exists (no enumeration)."""

    def allow_request(self, request: Request, view: "APIView") -> bool:
        # Parse the body here so malformed JSON is a 400, not a "cache failure" 503.
        request.data  # noqa: B018
        return super().allow_request(request, view)

    def key_for(self, request: Request, view: "APIView") -> str | None:
        value = _body(request).get("uuid")
        if not isinstance(value, str):
            return None  # the body is refused by validation anyway
        if value == lookup.ME:
            # The caller's own counter; without a session "@me" is refused before any check.
            return str(request.user.uuid) if request.user.is_authenticated else None
        try:
            return str(uuid_lib.UUID(value))  # one counter for every spelling of a uuid
        except ValueError:
            # surrogatepass: a lone surrogate ("\ud800") has no UTF-8 form, yet is malformed too.
            digest = hashlib.sha256(value[:200].encode("utf-8", "surrogatepass")).hexdigest()
            return "malformed:" + digest[:32]


class EmailVerificationRequestThrottle(TargetUserThrottle):
    scope = "email_verification_request"


class VerifyEmailUserThrottle(TargetUserThrottle):
    scope = "verify_email_user"


class VerifyEmailIPThrottle(AtomicIPThrottle):
    scope = "verify_email_ip"


# --- Onboarding (docs/api.md §2.1) -------------------------------------------------------------


class OnboardingSkipThrottle(UserRateThrottle):
    scope = "onboarding_skip"
