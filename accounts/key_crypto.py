"""Personal API key values: generation, digest and mask. No database here.

Keys carry 256+ random bits, so a single SHA-256 is enough to store them: nobody can brute-force
the preimage, and the digest can be looked up with one indexed query on every request (a slow
password hash would cost ~100 ms per request for no gain).
"""

import hashlib
import secrets
import string

PREFIX = "phx_"
_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 44  # 44 base62 characters = 261 bits


def generate() -> str:
    return PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def mask(value: str) -> str:
    return f"{value[: len(PREFIX) + 2]}...{value[-4:]}"


def looks_like_key(value: str) -> bool:
    return value.startswith(PREFIX) and len(value) <= len(PREFIX) + 200
