"""Field encryption at rest with ``FIELD_ENCRYPTION_KEYS`` (docs/api.md §5).

MultiFernet: the first key encrypts, every listed key decrypts. To rotate, put the new key first
and keep the old one after it until ``manage.py rotate_totp_seeds`` has re-encrypted the rows.
Fernet is authenticated encryption (AES-128-CBC + HMAC-SHA256), so a tampered column fails to
decrypt instead of yielding a wrong seed.
"""

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["EncryptedTextField", "InvalidToken", "decrypt", "encrypt", "rotate"]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
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


def decrypt(token: str, *, ttl: int | None = None) -> str:
    """Decrypt with any configured key; ``ttl`` (seconds) also rejects older tokens."""
    fernet = _current()
    data = token.encode("ascii")
    if ttl is None:
        return fernet.decrypt(data).decode()
    return fernet.decrypt(data, ttl=ttl).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token under the first (current) key, keeping its timestamp."""
    return _current().rotate(token.encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):
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
