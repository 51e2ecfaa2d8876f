"""Backup codes: replacing the user's set with ten new ones (docs/api.md §2.8).

Using one is part of ``verification``; the codes themselves are ``twofactor.backup_codes``.
"""

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import SecurityEvent, User
from accounts.services import notices, security_events
from accounts.services.security_events import RequestMeta
from twofactor import backup_codes, errors
from twofactor.models import BackupCode, BackupCodeSet
from twofactor.services import status


def _lock_confirmed_device(user: User) -> bool:
    """Lock the user's row, then their confirmed device's; False if they have no such device.

    One statement where a lock and a re-check were two, in the order and mode of
    ``User.objects.lock_for_no_key_update`` (enable, disable). The device row is locked too: a
    device deleted while we waited then drops out of the result, whereas a check in the same
    statement would still see it in the statement's snapshot.
    """
    return bool(
        User.objects.select_for_update(no_key=True)
        .filter(pk=user.pk, totpdevice__confirmed=True)
        .exists()
    )


def regenerate_backup_codes(*, user: User, meta: RequestMeta | None = None) -> list[str]:
    """Replace the user's backup codes with ten new ones and return them (shown only once)."""
    if not status.has_totp(user):
        raise errors.TwoFactorNotEnabledError
    codes = backup_codes.generate()
    salt = backup_codes.new_salt()
    digests = [backup_codes.digest(code, salt=salt) for code in codes]  # slow: outside the lock
    with transaction.atomic():
        # Nothing locked means the device went while we hashed: disabled (the answer), or
        # replaced by a re-enable, whose new row only a second look, a new snapshot, can see.
        if not (_lock_confirmed_device(user) or _lock_confirmed_device(user)):
            raise errors.TwoFactorNotEnabledError
        _replace_backup_codes(user=user, salt=salt, digests=digests, meta=meta)
        notices.notify(user=user, template="backup_codes_regenerated")
    return codes


# PostgreSQL: the set, its codes and the security event in one statement, so a regeneration
# is 5 statements plus the transaction, authentication included (issue 10; 9, or 11 replacing a
# set, before). It runs after the lock, so its snapshot holds the codes of any regeneration
# committed while we waited; its parts all share that snapshot, so the DELETE removes the old
# codes and never those inserted beside it. The set row is updated in place, as on the ORM path.
_REPLACE_BACKUP_CODES = """
    WITH code_set AS (
        INSERT INTO twofactor_backupcodeset (user_id, salt, log2_n, created_at)
        VALUES (%(user_id)s, %(salt)s, %(log2_n)s, %(now)s)
        ON CONFLICT (user_id) DO UPDATE SET
            salt = EXCLUDED.salt, log2_n = EXCLUDED.log2_n, created_at = EXCLUDED.created_at
        RETURNING id
    ), old_codes AS (
        DELETE FROM twofactor_backupcode WHERE code_set_id IN (SELECT id FROM code_set)
    ), new_codes AS (
        INSERT INTO twofactor_backupcode (code_set_id, digest)
        SELECT code_set.id, digest FROM code_set, unnest(%(digests)s::text[]) AS digest
    )
    INSERT INTO accounts_securityevent (user_id, type, created_at, ip, user_agent, context)
    VALUES (%(user_id)s, %(event)s, %(now)s, %(ip)s::inet, %(user_agent)s, '{}')
"""


def _replace_backup_codes(
    *, user: User, salt: str, digests: list[str], meta: RequestMeta | None
) -> None:
    """Make ``digests`` the user's only backup codes and record the event; the caller locks."""
    event = SecurityEvent.Type.BACKUP_CODES_REGENERATED
    if connection.vendor == "postgresql":
        meta = meta or RequestMeta()
        with connection.cursor() as cursor:
            cursor.execute(
                _REPLACE_BACKUP_CODES,
                {
                    "user_id": user.pk,
                    "salt": salt,
                    "log2_n": backup_codes.SCRYPT_LOG2_N,
                    "now": timezone.now(),
                    "digests": digests,
                    "event": event.value,
                    "ip": meta.ip,
                    "user_agent": meta.user_agent,
                },
            )
        return
    code_set, _ = BackupCodeSet.objects.update_or_create(
        user=user,
        defaults={
            "salt": salt,
            "log2_n": backup_codes.SCRYPT_LOG2_N,
            "created_at": timezone.now(),
        },
    )
    code_set.codes.all().delete()
    BackupCode.objects.bulk_create(
        BackupCode(code_set=code_set, digest=digest) for digest in digests
    )
    security_events.record(type=event, user=user, meta=meta)
