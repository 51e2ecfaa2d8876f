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


def _is_ignored(char: str) -> bool:
    return char.isspace() or char in _HYPHENS or unicodedata.category(char) == "Cf"


def _escape(char: str) -> str:
    return char if char.isascii() and char.isalnum() else f"\\u{ord(char):04X}"


def _character_class(chars: list[str]) -> str:
    """A regular-expression character class of ``chars``, in runs."""
    runs: list[list[str]] = []
    for char in chars:
        if runs and ord(char) == ord(runs[-1][-1]) + 1:
            runs[-1].append(char)
        else:
            runs.append([char])
    return (
        "["
        + "".join(
            _escape(run[0]) if len(run) == 1 else f"{_escape(run[0])}-{_escape(run[-1])}"
            for run in runs
        )
        + "]"
    )


def _input_pattern() -> str:
    """What ``normalize`` accepts, as a regular expression for the schema: six decimal digits of
    any script, with ignored characters anywhere (the length limit is the schema's maxLength).

    Only the Basic Multilingual Plane: ECMA 262's ``\\uXXXX`` cannot name a character beyond it
    (the digits there, such as mathematical ones, are still accepted)."""
    every = [chr(point) for point in range(0x10000)]
    digit = _character_class(
        [char for char in every if unicodedata.decimal(char, None) is not None]
    )
    ignored = _character_class([char for char in every if _is_ignored(char)])
    return f"^{ignored}*(?:{digit}{ignored}*){{{LENGTH}}}$"


INPUT_PATTERN = _input_pattern()


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
        if _is_ignored(char):
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
