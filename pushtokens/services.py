"""Push-token use cases: register (a race-free upsert), unregister, prune stale tokens."""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Field
from django.utils import timezone

from accounts.models import User
from pushtokens.models import MAX_TOKENS_PER_USER, PushToken
from users_api.prepared import execute, first_row

# One statement, so concurrent registrations of one token can neither fail on the unique
# constraint nor create a duplicate: the database serialises them on the token's index entry.
# A token another user held moves to the caller and keeps its row and id (a device changed
# hands). PostgreSQL and SQLite (>= 3.35) both speak this dialect. Raw SQL because the ORM has
# no such upsert that returns the row: ``update_or_create`` is a locking SELECT plus a write in a
# transaction: with it and the raw cap below a registration is 3 statements with authentication
# (5 before), and `make bench` puts it at 0.33x of the floor (0.19x before; docs/performance.md).
_UPSERT = """
    INSERT INTO pushtokens_pushtoken (id, user_id, token, platform, created_at, last_seen_at)
    VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (token) DO UPDATE SET
        user_id = EXCLUDED.user_id,
        platform = EXCLUDED.platform,
        last_seen_at = EXCLUDED.last_seen_at
    RETURNING id, created_at, last_seen_at
"""


def register_push_token(*, user: User, token: str, platform: str) -> PushToken:
    """Create or refresh ``token`` for ``user``, then drop their least recently seen extras.

    The upsert and the cap are separate autocommitted statements on purpose: holding the
    upserted row's lock while deleting the user's other rows could deadlock two concurrent
    registrations of one user. The cap is idempotent; the next registration finishes it if it
    did not run.
    """
    now = timezone.now()
    values = {
        "id": uuid.uuid4(),
        "user_id": user.pk,
        "token": token,
        "platform": platform,
        "created_at": now,
        "last_seen_at": now,
    }
    row = first_row(connection, _UPSERT, [_to_db(name, value) for name, value in values.items()])
    values.update(_from_db(("id", "created_at", "last_seen_at"), row))
    fields = [field.attname for field in PushToken._meta.concrete_fields]
    push_token = PushToken.from_db(connection.alias, fields, [values[name] for name in fields])
    push_token.user = user
    _cap_tokens(user=user, keep=push_token)
    return push_token


# The cap: keep ``keep`` and the user's most recently seen others, up to MAX_TOKENS_PER_USER.
# One autocommitted statement, atomic on its own. Raw SQL, like the upsert: the ORM built and
# compiled this DELETE (with its subquery) on every registration, 2.1 of the 6.5 profiled ms of a
# registration (docs/performance.md); ``delete()`` would also have wrapped it in BEGIN/COMMIT.
_CAP = """
    DELETE FROM pushtokens_pushtoken
    WHERE user_id = %s AND id <> %s AND id NOT IN (
        SELECT id FROM pushtokens_pushtoken
        WHERE user_id = %s AND id <> %s
        ORDER BY last_seen_at DESC, created_at DESC
        LIMIT %s
    )
"""


def _cap_tokens(*, user: User, keep: PushToken) -> None:
    """Drop the user's least recently seen tokens beyond the cap, never ``keep``."""
    user_id, keep_id = _to_db("user_id", user.pk), _to_db("id", keep.pk)
    execute(connection, _CAP, [user_id, keep_id, user_id, keep_id, MAX_TOKENS_PER_USER - 1])


def unregister_push_token(*, user: User, token: str) -> None:
    """Delete the caller's row for ``token``; another user's row with it is left alone."""
    PushToken.objects.filter(user=user, token=token).delete()


def prune_stale_push_tokens(*, days: int | None = None) -> int:
    """Delete tokens not seen for ``days`` (``PUSH_TOKEN_STALE_DAYS``); return how many."""
    cutoff = timezone.now() - timedelta(
        days=settings.PUSH_TOKEN_STALE_DAYS if days is None else days
    )
    deleted, _ = PushToken.objects.not_seen_since(cutoff).delete()
    return deleted


def _field(name: str) -> "Field[Any, Any]":
    field = PushToken._meta.get_field(name)
    if not isinstance(field, Field):  # a concrete column, never a relation's reverse side
        raise TypeError(name)
    return field


def _to_db(name: str, value: Any) -> Any:
    """Adapt a value for a raw statement exactly as the ORM would (UUIDs, aware datetimes)."""
    return _field(name).get_db_prep_save(value, connection)


def _from_db(names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """Convert a RETURNING row to Python values exactly as the ORM converts a SELECT."""
    converted = {}
    for name, value in zip(names, row, strict=True):
        column = _field(name).get_col(PushToken._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        for converter in converters:
            value = converter(value, column, connection)
        converted[name] = value
    return converted
