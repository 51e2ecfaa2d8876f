"""Personal API key use cases: create, change, roll and revoke (docs/api.md §2.15).

The key value exists only in the return value of ``create_key`` and ``roll_key``; the database
keeps its SHA-256 digest and a mask.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts import errors, key_crypto
from accounts.models import PersonalAPIKey, SecurityEvent, User
from accounts.models.api_keys import MAX_KEYS_PER_USER
from accounts.services import security_events
from accounts.services.security_events import RequestMeta


def _key_context(key: PersonalAPIKey) -> dict[str, object]:
    return {"key_id": str(key.pk), "label": key.label, "mask_value": key.mask_value}


@transaction.atomic
def create_key(
    *,
    user: User,
    label: str,
    scopes: Sequence[str],
    expires_at: datetime | None = None,
    meta: RequestMeta | None = None,
) -> tuple[PersonalAPIKey, str]:
    """Mint a key for ``user``; return the row and the value (shown to the caller once)."""
    # Lock the user row so parallel creations count the keys one after another.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    if PersonalAPIKey.objects.filter(user=user).count() >= MAX_KEYS_PER_USER:
        raise errors.TooManyKeysError(
            f"A user can have at most {MAX_KEYS_PER_USER} personal API keys."
        )
    value = key_crypto.generate()
    key = PersonalAPIKey.objects.create(
        user=user,
        label=label,
        scopes=list(scopes),
        expires_at=expires_at,
        secure_value=key_crypto.digest(value),
        mask_value=key_crypto.mask(value),
    )
    security_events.record(
        type=SecurityEvent.Type.API_KEY_CREATED,
        user=user,
        meta=meta,
        context={**_key_context(key), "scopes": key.scopes},
    )
    return key, value


def update_key(
    *, key: PersonalAPIKey, label: str | None = None, scopes: Sequence[str] | None = None
) -> PersonalAPIKey:
    """Change the label and/or scopes; the secret stays the same."""
    fields = []
    if label is not None:
        key.label = label
        fields.append("label")
    if scopes is not None:
        key.scopes = list(scopes)
        fields.append("scopes")
    if fields:
        key.save(update_fields=fields)
    return key


@transaction.atomic
def roll_key(*, key: PersonalAPIKey, meta: RequestMeta | None = None) -> tuple[PersonalAPIKey, str]:
    """Replace the secret, keeping label, scopes and expiry; the old value stops working.

    The user row is share-locked before the key row, which an account deletion locks after it.
    """
    User.objects.lock_for_key_share(key.user_id)
    value = key_crypto.generate()
    key.secure_value = key_crypto.digest(value)
    key.mask_value = key_crypto.mask(value)
    key.last_rolled_at = timezone.now()
    key.save(update_fields=["secure_value", "mask_value", "last_rolled_at"])
    security_events.record(
        type=SecurityEvent.Type.API_KEY_ROLLED, user=key.user, meta=meta, context=_key_context(key)
    )
    return key, value


@transaction.atomic
def revoke_key(
    *, key: PersonalAPIKey, meta: RequestMeta | None = None, revoked_by: User | None = None
) -> None:
    """Delete the key: the next request carrying it is refused (no cache stands in between).

    The user row is share-locked before the key row, which an account deletion locks after it.
    """
    User.objects.lock_for_key_share(key.user_id)
    context = _key_context(key)
    if revoked_by is not None and revoked_by.pk != key.user_id:
        context["revoked_by"] = revoked_by.email
    user = key.user
    key.delete()
    security_events.record(
        type=SecurityEvent.Type.API_KEY_REVOKED, user=user, meta=meta, context=context
    )


def record_key_use(*, key: PersonalAPIKey, now: datetime) -> None:
    """Stamp ``last_used_at`` (callers write at most hourly, never on every request)."""
    PersonalAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
