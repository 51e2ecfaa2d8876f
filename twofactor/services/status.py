"""What two-factor authentication a user has (docs/api.md §2.7)."""

import functools
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Passkey, User
from twofactor.models import BackupCode, TOTPDevice
from users_api.prepared import PreparedQuery


def has_totp(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


@dataclass(frozen=True)
class Status:
    has_totp: bool
    backup_codes_remaining: int
    has_passkeys: bool


def two_factor_status(user: User) -> Status:
    """TOTP on, unused backup codes (0 without TOTP) and whether passkeys exist: one query."""
    row = _status_query().first(pk=user.pk)
    if row is None:
        raise User.DoesNotExist("User matching query does not exist.")
    has_totp, remaining, has_passkeys = row
    return Status(has_totp, remaining if has_totp else 0, has_passkeys)


@functools.cache
def _status_query() -> PreparedQuery:
    """The status query, compiled once per process: building and compiling its subqueries cost
    more than running it (users_api/prepared.py; docs/performance.md). No data is kept.
    """
    unused = (
        BackupCode.objects.unused()
        .filter(code_set__user_id=OuterRef("pk"))
        .values("code_set__user_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    statuses = User.objects.annotate(
        has_totp=Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)),
        remaining=Coalesce(Subquery(unused), 0),
        has_passkeys=Exists(Passkey.objects.filter(user_id=OuterRef("pk"))),
    ).values_list("has_totp", "remaining", "has_passkeys")
    return PreparedQuery(lambda pk: statuses.filter(pk=pk), pk=int)
