"""Checking a second factor (login second step, re-authentication) and forgetting failures."""

import enum
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import SecurityEvent, User
from accounts.services import notices, security_events
from accounts.services.security_events import RequestMeta
from twofactor import backup_codes, throttling, totp
from twofactor.models import BackupCode, BackupCodeSet, TokenCheck, TOTPDevice
from users_api import metrics


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
