"""Secrets sealed at rest with ``FIELD_ENCRYPTION_KEYS``: TOTP seeds, the pending TOTP secret
and the context of queued emails (docs/api.md §5).

MultiFernet: the first key encrypts, every listed key decrypts. To rotate, put the new key first
and keep the old one after it until ``manage.py rotate_totp_seeds`` has re-encrypted the rows
(and the email outbox has drained). Fernet is authenticated encryption (AES-128-CBC +
HMAC-SHA256), so a tampered value fails to decrypt instead of yielding a wrong secret.
"""

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["EncryptedTextField", "InvalidToken", "decrypt", "encrypt", "rotate", "seal", "unseal"]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    """The one validation of ``FIELD_ENCRYPTION_KEYS``: non-empty, every entry a Fernet key."""
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys])
    except ValueError as exc:
        # Never echo the key itself.
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key."
        ) from exc


def _current() -> MultiFernet:
    # Read the setting on every call so a rotation (or a test override) takes effect at once.
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt with any configured key; ``InvalidToken`` if none of them sealed it."""
    return _current().decrypt(token.encode("ascii")).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token under the first (current) key, keeping its timestamp."""
    return _current().rotate(token.encode("ascii")).decode("ascii")


def seal(context: dict[str, Any]) -> str:
    """Encrypt a JSON-serialisable mapping (an email's context, which may carry a code)."""
    return encrypt(json.dumps(context))


def unseal(sealed: str) -> dict[str, Any]:
    context: dict[str, Any] = json.loads(decrypt(sealed))
    return context


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]  # generic in stubs only
    """A text column stored as a Fernet token; Python code only ever sees the plaintext.

    Lookups on it are meaningless (the ciphertext is randomised), so never filter by it.
    """

    description = "Text encrypted at rest with FIELD_ENCRYPTION_KEYS"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        try:
            return decrypt(value)
        except InvalidToken:
            raise ImproperlyConfigured(
                f"{self.model.__name__}.{self.name} cannot be decrypted with any key in "
                "FIELD_ENCRYPTION_KEYS (was the key that encrypted it removed too early?)."
            ) from None

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)
