"""The TOTP secret waiting in the caller's session between setup and validation (docs/api.md §2.5).

Sessions live in the database (with the cache in front), so every process sees the same pending
secret. It is kept encrypted even there, and expires 10 minutes after it was created: the
timestamp is checked on read, not left to a cache TTL.
"""

from collections.abc import MutableMapping
from datetime import timedelta
from typing import Any

from django.utils import timezone

from users_api import encryption

SESSION_KEY = "_2fa_pending_setup"
TTL = timedelta(minutes=10)


def remember(session: MutableMapping[str, Any], *, user_id: int, secret: bytes) -> None:
    """Keep ``secret`` for ``user_id``, replacing any previous pending secret."""
    session[SESSION_KEY] = {
        "user_id": user_id,
        "secret": encryption.encrypt(secret.hex()),
        "at": timezone.now().timestamp(),
    }


def pending(session: MutableMapping[str, Any], *, user_id: int) -> bytes | None:
    """The secret pending for ``user_id`` if it is younger than ``TTL``, else None."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("user_id") != user_id:
        return None
    at = state.get("at")
    token = state.get("secret")
    if not isinstance(at, int | float) or not isinstance(token, str):
        return None
    age = timezone.now().timestamp() - at
    if not 0 <= age <= TTL.total_seconds():
        return None
    try:
        return bytes.fromhex(encryption.decrypt(token))
    except (encryption.InvalidToken, ValueError):
        return None


def forget(session: MutableMapping[str, Any]) -> None:
    session.pop(SESSION_KEY, None)
