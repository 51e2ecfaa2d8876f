"""WebAuthn ceremonies (py_webauthn): options out, responses checked, challenges in the session.

A challenge is bound to the session that asked for it, to one purpose and one user, expires
after ``WEBAUTHN_CHALLENGE_TTL`` and works once: it is removed from the session when a
response is checked, and its digest is claimed in the shared cache so that two parallel
requests of the same session cannot both use it.
"""

import enum
import hashlib
import json
from collections.abc import Iterable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from accounts.models import Passkey, User

SESSION_KEY = "_webauthn_challenge"
_TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


class Purpose(enum.StrEnum):
    REGISTER = "register"
    LOGIN = "login"
    REAUTHENTICATE = "reauthenticate"


class CeremonyError(Exception):
    """The response is malformed or does not verify (wrong origin, challenge, signature, …)."""


def _timeout_ms() -> int:
    return int(settings.WEBAUTHN_CHALLENGE_TTL.total_seconds() * 1000)


def _descriptors(passkeys: Iterable[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(passkey.credential_id),
            transports=[AuthenticatorTransport(t) for t in passkey.transports if t in _TRANSPORTS],
        )
        for passkey in passkeys
    ]


def registration_options(*, user: User, existing: Iterable[Passkey]) -> tuple[dict, bytes]:
    """``PublicKeyCredentialCreationOptions`` as JSON for the browser, and its challenge."""
    options = generate_registration_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_name=user.email,
        user_id=user.uuid.bytes,
        user_display_name=user.get_full_name() or user.email,
        timeout=_timeout_ms(),
        exclude_credentials=_descriptors(existing),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return json.loads(options_to_json(options)), options.challenge


def authentication_options(*, passkeys: Iterable[Passkey]) -> tuple[dict, bytes]:
    """``PublicKeyCredentialRequestOptions`` naming the user's passkeys, and its challenge."""
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        timeout=_timeout_ms(),
        allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return json.loads(options_to_json(options)), options.challenge


def remember_challenge(
    session: MutableMapping[str, Any], *, purpose: Purpose, user_id: int, challenge: bytes
) -> None:
    """Keep the challenge for this session; a new ceremony replaces an unfinished one."""
    session[SESSION_KEY] = {
        "purpose": str(purpose),
        "user_id": user_id,
        "challenge": bytes_to_base64url(challenge),
        "at": timezone.now().timestamp(),
    }


def take_challenge(
    session: MutableMapping[str, Any], *, purpose: Purpose, user_id: int
) -> bytes | None:
    """The session's challenge for ``purpose`` and ``user_id``, removed; None if none is usable."""
    state = session.pop(SESSION_KEY, None)
    if not isinstance(state, dict) or state.get("purpose") != str(purpose):
        return None
    at = state.get("at")
    if state.get("user_id") != user_id or not isinstance(at, int | float):
        return None
    ttl = settings.WEBAUTHN_CHALLENGE_TTL.total_seconds()
    if timezone.now().timestamp() - at > ttl:
        return None
    challenge = base64url_to_bytes(state["challenge"])
    claim = "webauthn:used:" + hashlib.sha256(challenge).hexdigest()
    if not cache.add(claim, 1, timeout=int(ttl) + 1):
        return None  # already used by a parallel request of this session
    return challenge


def credential_id(credential: dict[str, Any]) -> str | None:
    """The credential id a response names, normalised to base64url without padding."""
    raw = credential.get("rawId", credential.get("id"))
    if not isinstance(raw, str) or not raw or len(raw) > 1400:
        return None
    try:
        return bytes_to_base64url(base64url_to_bytes(raw))
    except ValueError:
        return None


def transports_of(credential: dict[str, Any]) -> list[str]:
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(transports, list):
        return []
    return [t for t in transports if isinstance(t, str) and t in _TRANSPORTS]


def verify_registration(*, credential: dict[str, Any], challenge: bytes) -> VerifiedRegistration:
    try:
        return verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=list(settings.WEBAUTHN_ORIGINS),
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise CeremonyError(str(exc)) from exc


def verify_authentication(
    *, credential: dict[str, Any], challenge: bytes, passkey: Passkey
) -> VerifiedAuthentication:
    """Check an assertion; the signature counter must move forward (else a clone or a replay)."""
    try:
        return verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=list(settings.WEBAUTHN_ORIGINS),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise CeremonyError(str(exc)) from exc
