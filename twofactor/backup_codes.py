"""Backup codes: generation, normalisation and hashing. No database here.

A code is 8 characters of ``a-z2-7`` (40 bits). That is too little entropy for a fast hash, so
codes are stored as scrypt digests (NIST SP 800-63B §5.1.2: salted, costly). The salt is one per
set of ten rather than one per code: an attempt then costs one scrypt computation followed by an
indexed lookup of the digest, instead of ten computations.
"""

import hashlib
import re
import secrets

ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
LENGTH = 8
COUNT = 10
SALT_BYTES = 16  # 128 bits; the contract asks for at least 32

# RFC 7914's interactive-login parameters: 16 MiB and ~60 ms per hash on one core.
SCRYPT_LOG2_N = 14
_SCRYPT_R = 8
_SCRYPT_P = 1

_SHAPE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
_SEPARATORS = re.compile(r"[\s\-]+")


def generate() -> list[str]:
    """``COUNT`` distinct codes from a CSPRNG."""
    codes: set[str] = set()
    while len(codes) < COUNT:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))
    return sorted(codes)


def normalize(value: str) -> str:
    """Case-insensitive; spaces and hyphens (``abcd-efgh``) are ignored."""
    return _SEPARATORS.sub("", value).lower()


def is_code(value: str) -> bool:
    """Whether a normalised value has the shape of a backup code."""
    return _SHAPE.fullmatch(value) is not None


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def digest(code: str, *, salt: str, log2_n: int = SCRYPT_LOG2_N) -> str:
    """The stored form of a normalised code."""
    n = 1 << log2_n
    return hashlib.scrypt(
        code.encode("ascii"),
        salt=bytes.fromhex(salt),
        n=n,
        r=_SCRYPT_R,
        p=_SCRYPT_P,
        maxmem=256 * n * _SCRYPT_R,
        dklen=32,
    ).hex()
