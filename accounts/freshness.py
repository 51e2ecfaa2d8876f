"""When the session last proved the password (docs/api.md §1.6). Pure functions over the session
dict.
"""

from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

SESSION_KEY = "_reauth_at"


def stamp(session: MutableMapping[str, Any], at: datetime | None = None) -> None:
    """Record that the password was proved just now (sign-up, login, re-authentication)."""
    session[SESSION_KEY] = (at or timezone.now()).timestamp()


def proved_at(session: MutableMapping[str, Any]) -> datetime | None:
    value = session.get(SESSION_KEY)
    if not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def is_within(session: MutableMapping[str, Any], max_age: timedelta) -> bool:
    at = proved_at(session)
    return at is not None and timezone.now() - at < max_age


def sensitive_expires_at(session: MutableMapping[str, Any]) -> datetime | None:
    at = proved_at(session)
    return at + settings.SENSITIVE_ACTION_MAX_AGE if at else None


def fresh_expires_at(session: MutableMapping[str, Any]) -> datetime | None:
    at = proved_at(session)
    return at + settings.FRESH_REAUTH_MAX_AGE if at else None
