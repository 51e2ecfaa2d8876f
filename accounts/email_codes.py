"""Email verification codes: generation, normalisation of what people paste, keyed digests.

No database here. A code is 6 decimal digits from the OS CSPRNG; only an HMAC keyed with
``SECRET_KEY`` over the user id, the target address and the code is stored, so a leaked row
neither reveals the code nor verifies against another user or address.
"""

import secrets
import unicodedata
from datetime import timedelta

from django.utils.crypto import constant_time_compare, salted_hmac

LENGTH = 6
TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5  # the 6th attempt on one code is refused without being checked
MAX_INPUT_LENGTH = 64  # longer input is refused before any normalisation work

_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_KEY_SALT = "accounts.email_codes"


def generate() -> str:
    return f"{secrets.randbelow(10**LENGTH):0{LENGTH}d}"


def normalize(raw: str) -> str | None:
    """Return the 6 ASCII digits in ``raw``, or None if it is not a code.

    Mail clients and phones add spaces, hyphens ("123-456"), zero-width characters and
    full-width or other script digits when a code is copied; all of those are accepted.
    """
    if len(raw) > MAX_INPUT_LENGTH:
        return None
    digits = []
    for char in raw:
        if char.isspace() or char in _HYPHENS or unicodedata.category(char) == "Cf":
            continue
        value = unicodedata.decimal(char, None)
        if value is None:
            return None
        digits.append(str(value))
    code = "".join(digits)
    return code if len(code) == LENGTH else None


def digest(*, user_id: int, target_email: str, code: str) -> str:
    """Keyed SHA-256 digest (64 hex chars) binding the code to one user and one address."""
    value = f"{user_id}:{target_email.lower()}:{code}"
    return salted_hmac(_KEY_SALT, value, algorithm="sha256").hexdigest()


def matches(stored_digest: str, *, user_id: int, target_email: str, code: str) -> bool:
    candidate = digest(user_id=user_id, target_email=target_email, code=code)
    return constant_time_compare(stored_digest, candidate)
