"""Two-factor use cases: enable, verify a second factor, backup codes, disable, key rotation."""

import enum
import functools
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Passkey, SecurityEvent, User
from accounts.services import notices, security_events
from accounts.services.security_events import RequestMeta
from twofactor import backup_codes, errors, passkeys, throttling, totp
from twofactor.models import BackupCode, BackupCodeSet, TokenCheck, TOTPDevice
from users_api import metrics
from users_api.prepared import PreparedQuery

DEVICE_NAME = "Authenticator app"


class Result(enum.Enum):
    ACCEPTED = "accepted"
    INVALID = "invalid"  # wrong, used, replayed or malformed code
    THROTTLED = "throttled"  # too many recent failures (exponential back-off)
    NOT_ENABLED = "not_enabled"  # the user has no TOTP device


@dataclass(frozen=True)
class Verification:
    """The outcome of ``verify_second_factor``; ``device`` marks the session as verified."""

    result: Result
    device: TOTPDevice | None = None
    method: str | None = None  # "totp" or "backup_code" when accepted
    retry_after: timedelta | None = None  # when throttled
    backup_codes_remaining: int | None = None  # when a backup code was used

    @property
    def accepted(self) -> bool:
        return self.result is Result.ACCEPTED


def _lock(user: User) -> None:
    """Serialise the two-factor writes of one user (enable, disable; regeneration takes the same
    row in ``_lock_confirmed_device``) before they touch the device.

    The user row comes before the device row everywhere, second-factor attempts included.
    ``FOR NO KEY UPDATE`` waits for the other writers but not for foreign-key checks: those
    of any row written for the user (a security event, a login session) go through.
    """
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list(
        "pk", flat=True
    ).first()


def _lock_confirmed_device(user: User) -> bool:
    """Lock the user's row, then their confirmed device's; False if they have no such device.

    One statement where a lock and a re-check were two, in the order and mode of ``_lock``.
    The device row is locked too: a device deleted while we waited then drops out of the
    result, whereas a check in the same statement would still see it in the statement's
    snapshot.
    """
    return bool(
        User.objects.select_for_update(no_key=True)
        .filter(pk=user.pk, totpdevice__confirmed=True)
        .exists()
    )


def has_totp(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def confirm_totp_setup(
    *,
    user: User,
    secret: bytes,
    code: str,
    meta: RequestMeta | None = None,
    keep_session_key: str | None = None,
) -> TOTPDevice | None:
    """Enable TOTP with the pending ``secret`` if ``code`` matches it (±1 step), else None.

    The matched step is stored as ``last_t``, so the code that enabled 2FA cannot also log in.
    Every session of the user but ``keep_session_key`` is revoked; the view keeps its own with
    ``update_session_auth_hash``.
    """
    found = totp.match(secret, code)
    if found is None:
        return None
    with transaction.atomic():
        _lock(user)
        TOTPDevice.objects.filter(user=user).delete()
        device: TOTPDevice = TOTPDevice.objects.create(
            user=user,
            name=DEVICE_NAME,
            key=secret.hex(),
            confirmed=True,
            last_t=found.t,
            drift=found.drift,
        )
        notices.record_and_notify(
            user=user,
            event=SecurityEvent.Type.TWO_FACTOR_ENABLED,
            template="two_factor_enabled",
            meta=meta,
            end_sessions=True,
            keep_session_key=keep_session_key,
        )
    return device


def verify_second_factor(
    *, user: User, token: str, meta: RequestMeta | None = None
) -> Verification:
    """Check a TOTP code or an unused backup code of ``user``: the one place that does it.

    Used by the login second step and by re-authentication. The device row is locked for the
    whole check, so parallel attempts of one user run one at a time and each sees the failure
    count and back-off the previous one left; failures are committed (never rolled back). The
    user row is share-locked before it, since the events recorded here refer to it.
    """
    code = backup_codes.normalize(token)
    with transaction.atomic():
        User.objects.lock_for_key_share(user.pk)
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return Verification(Result.NOT_ENABLED)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            metrics.count_two_factor_failure("locked_out")
            return Verification(Result.THROTTLED, retry_after=info["locked_until"] - timezone.now())

        if totp.is_code(code):
            check = device.check_token(code)
            if check is TokenCheck.ACCEPTED:
                return Verification(Result.ACCEPTED, device=device, method="totp")
            if check is TokenCheck.REPLAYED:
                security_events.record(
                    type=SecurityEvent.Type.TOTP_REPLAY_REFUSED, user=user, meta=meta
                )
        elif backup_codes.is_code(code):
            remaining = _use_backup_code(user=user, code=code)
            if remaining is not None:
                device.throttle_reset()
                notices.record_and_notify(
                    user=user,
                    event=SecurityEvent.Type.BACKUP_CODE_USED,
                    template="backup_code_used",
                    meta=meta,
                    event_context={"remaining": remaining},
                    email_context={"remaining": remaining},
                )
                return Verification(
                    Result.ACCEPTED,
                    device=device,
                    method="backup_code",
                    backup_codes_remaining=remaining,
                )
            device.throttle_increment()
        else:
            device.throttle_increment()

        security_events.record(type=SecurityEvent.Type.SECOND_FACTOR_FAILED, user=user, meta=meta)
        metrics.count_two_factor_failure("invalid_code")
        return Verification(Result.INVALID)


def _use_backup_code(*, user: User, code: str) -> int | None:
    """Consume ``code`` if it is one of the user's unused codes; return how many remain."""
    code_set = BackupCodeSet.objects.filter(user=user).first()
    if code_set is None:
        return None
    # One scrypt computation, then an indexed lookup. The conditional UPDATE is the single-use
    # guarantee: of two parallel requests with the same code, only one changes a row.
    used = (
        BackupCode.objects.unused()
        .filter(code_set=code_set, digest=code_set.digest(code))
        .update(used_at=timezone.now())
    )
    if used != 1:
        return None
    return code_set.codes.unused().count()


def regenerate_backup_codes(*, user: User, meta: RequestMeta | None = None) -> list[str]:
    """Replace the user's backup codes with ten new ones and return them (shown only once)."""
    if not has_totp(user):
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


def backup_codes_remaining(user: User) -> int:
    return BackupCode.objects.unused().filter(code_set__user=user).count()


def disable_two_factor(
    *, user: User, meta: RequestMeta | None = None, by: User | None = None
) -> bool:
    """Remove the user's TOTP devices, backup codes and second-factor passkeys; True if anything
    was removed.

    ``by`` is the staff member acting for the user (admin action, staff API call), if any.
    Idempotent: a repeat call changes nothing and sends no second email.
    """
    with transaction.atomic():
        _lock(user)
        devices, _ = TOTPDevice.objects.filter(user=user).delete()
        code_sets, _ = BackupCodeSet.objects.filter(user=user).delete()
        passkeys_removed = passkeys.remove_second_factor_passkeys(user=user)
        if not (devices or code_sets or passkeys_removed):
            return False
        context = {"by_user_id": by.pk} if by is not None and by.pk != user.pk else {}
        notices.record_and_notify(
            user=user,
            event=SecurityEvent.Type.TWO_FACTOR_DISABLED,
            template="two_factor_disabled",
            meta=meta,
            event_context=context,
        )
    return True


def clear_lockout(*, user: User, meta: RequestMeta | None = None, by: User | None = None) -> None:
    """Forget the user's failed second-factor attempts: the budget and the back-off.

    For staff helping a user who was locked out (admin action); recorded as a security event.
    """
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    throttling.reset_budget(user.pk)
    context = {"by_user_id": by.pk} if by is not None else {}
    security_events.record(
        type=SecurityEvent.Type.TWO_FACTOR_LOCKOUT_CLEARED, user=user, meta=meta, context=context
    )


def reencrypt_totp_seeds(*, batch_size: int = 500) -> int:
    """Re-encrypt every seed under the first key of ``FIELD_ENCRYPTION_KEYS`` (key rotation)."""
    count = 0
    for device in TOTPDevice.objects.only("pk", "key").iterator(chunk_size=batch_size):
        # Saving encrypts with the current first key; only the key column is written.
        device.save(update_fields=["key"])
        count += 1
    return count
