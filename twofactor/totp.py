"""TOTP (RFC 6238) parameters, secrets, provisioning URI and QR code. No database here.

The arithmetic is django-otp's (``django_otp.oath.TOTP``); this module only fixes the parameters
the contract promises authenticator apps: SHA-1, 6 digits, 30-second steps, ±1 step tolerance.
"""

import base64
import io
import re
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from django_otp.oath import TOTP

SECRET_BYTES = 20  # 160 bits, the RFC 4226 recommendation; 32 base32 characters
STEP = 30
DIGITS = 6
TOLERANCE = 1  # accept the previous, current and next step

_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class Match:
    """Where a code matched: its time step ``t`` and the drift (in steps) it implies."""

    t: int
    drift: int


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def to_base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def is_code(value: str) -> bool:
    """Exactly six ASCII digits (``str.isdigit`` would also accept other scripts' digits)."""
    return _CODE.fullmatch(value) is not None


def match(secret: bytes, code: str, *, drift: int = 0, min_t: int | None = None) -> Match | None:
    """Return where ``code`` matches within ±``TOLERANCE`` steps of now (+ ``drift``), or None.

    Steps below ``min_t`` are skipped: that is how an accepted code is never accepted again.
    """
    if not is_code(code):
        return None
    totp = TOTP(secret, step=STEP, digits=DIGITS, drift=drift)
    totp.time = time.time()
    if totp.verify(int(code), tolerance=TOLERANCE, min_t=min_t):
        return Match(t=totp.t(), drift=totp.drift)
    return None


def otpauth_uri(secret: bytes, *, issuer: str, account: str) -> str:
    """The Key URI authenticator apps import (Google's "Key Uri Format")."""
    issuer = issuer.replace(":", "")  # a colon would split the label
    uri = pyotp.TOTP(to_base32(secret)).provisioning_uri(name=account, issuer_name=issuer)
    # pyotp leaves out parameters at their default values; some apps want them spelled out.
    return f"{uri}&algorithm=SHA1&digits={DIGITS}&period={STEP}"


def qr_code_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no XML declaration, so it can be embedded in HTML)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
    return buffer.getvalue().decode("utf-8")
