"""Who may change which profile field, and how recent a password proof it needs (docs/api.md
§1.4, §1.6).

One table of the writable fields of the user resource. ``check_change`` applies it to the
*validated* changes (never the raw body), before any password is checked, so a refused caller
learns nothing about the password. Freshness exists only where it protects the account: the
email address, the password, staff status and the second-factor settings. Names, notification
settings, UI fields and the current organization may be changed by any session, including the
one ``verify_email`` opens without a password.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from accounts import errors, freshness
from accounts.models import User


class Freshness(enum.IntEnum):
    ANY = 0  # any session
    SENSITIVE = 1  # password proved within SENSITIVE_ACTION_MAX_AGE
    FRESH = 2  # password proved within FRESH_REAUTH_MAX_AGE


@dataclass(frozen=True)
class Rule:
    freshness: Freshness = Freshness.ANY
    keys_may_change: bool = True  # API keys with user:write
    staff_only: bool = False  # only staff callers may send the field at all
    superuser_only: bool = False  # only superusers may send the field at all
    # Could hand the account to someone else: on another account, superusers only (staff_powers).
    hands_over: bool = False


_ANY = Rule()

FIELDS: dict[str, Rule] = {
    "first_name": _ANY,
    "last_name": _ANY,
    "email": Rule(Freshness.FRESH, keys_may_change=False, hands_over=True),
    "notification_settings": _ANY,
    "anonymize_data": _ANY,
    # Lets staff act as the user: a door into the account.
    "allow_impersonation": Rule(Freshness.SENSITIVE, hands_over=True),
    "toolbar_mode": _ANY,
    # Staff powers chain into takeovers (issue 17): superusers only, fresh, never a key.
    "is_staff": Rule(
        Freshness.FRESH,
        keys_may_change=False,
        staff_only=True,
        superuser_only=True,
        hands_over=True,
    ),
    "set_current_organization": _ANY,
    "set_current_team": _ANY,
    # With a usable password the correct ``current_password`` is required and is the proof.
    "password": Rule(Freshness.SENSITIVE, keys_may_change=False, hands_over=True),
    "current_password": _ANY,
    "events_column_config": _ANY,
    "has_seen_product_intro_for": _ANY,
    "theme_mode": _ANY,
    "hedgehog_config": _ANY,
    "allow_sidebar_suggestions": _ANY,
    "shortcut_position": _ANY,
    "role_at_organization": _ANY,
    "passkeys_enabled_for_2fa": Rule(Freshness.SENSITIVE, hands_over=True),
}


def fields_needing(level: Freshness) -> list[str]:
    return [name for name, rule in FIELDS.items() if rule.freshness == level]


def _changes(user: User, name: str, value: Any) -> bool:
    """Whether ``value`` differs from the stored one (a client may send a field back as is)."""
    if name == "password":
        return True
    if name == "current_password":
        return False
    return getattr(user, name, None) != value


def _required_freshness(user: User, name: str) -> Freshness:
    if name == "password" and user.has_usable_password():
        return Freshness.ANY  # current_password is checked instead
    return FIELDS[name].freshness


def hands_over(user: User, changes: Mapping[str, Any]) -> list[str]:
    """The changed fields of ``changes`` that could hand the account to someone else."""
    return [
        name
        for name, value in changes.items()
        if FIELDS[name].hands_over and _changes(user, name, value)
    ]


def check_change(
    *,
    user: User,
    changes: Mapping[str, Any],
    caller_is_staff: bool,
    session: Any | None,
    caller_is_superuser: bool = False,
) -> None:
    """Refuse ``changes`` to ``user`` that this caller may not make.

    ``session`` is the caller's session, or None for an API key (keys have no freshness; their
    scope is the control, and some fields are closed to them).
    """
    for name in changes:
        if FIELDS[name].staff_only and not caller_is_staff:
            raise errors.ProfileChangeRefusedError(f"Only staff may send {name}.")
    changed = [name for name, value in changes.items() if _changes(user, name, value)]
    for name in changed:
        if FIELDS[name].superuser_only and not caller_is_superuser:
            raise errors.ProfileChangeRefusedError(f"Only a superuser may change {name}.")
    if session is None:
        closed = [name for name in changed if not FIELDS[name].keys_may_change]
        if closed:
            raise errors.ProfileChangeRefusedError(
                "API keys cannot change the email address or the password."
            )
        return
    needed = max((_required_freshness(user, name) for name in changed), default=Freshness.ANY)
    max_age = {
        Freshness.SENSITIVE: settings.SENSITIVE_ACTION_MAX_AGE,
        Freshness.FRESH: settings.FRESH_REAUTH_MAX_AGE,
    }.get(needed)
    if max_age is not None and not freshness.is_within(session, max_age):
        raise errors.ReauthenticationRequiredError
