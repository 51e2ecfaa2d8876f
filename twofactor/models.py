"""Second factors: a TOTP device (django-otp based, seed encrypted) and backup codes (hashed)."""

import enum
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from twofactor import backup_codes, totp
from users_api.encryption import EncryptedTextField


class TokenCheck(enum.Enum):
    ACCEPTED = "accepted"
    INVALID = "invalid"
    REPLAYED = "replayed"  # right code, but its time step was already used
    THROTTLED = "throttled"  # django-otp's exponential back-off after failures


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app, like django-otp's ``TOTPDevice`` but with the seed encrypted.

    ``last_t`` is the time step of the last accepted code; only later steps are accepted after it,
    so a code works once (RFC 6238 §5.2). ``drift`` follows the app's clock, as in django-otp.
    The throttling fields (failure count and time) implement django-otp's exponential back-off and
    are the per-user failed-attempt counter: one device per user, updated with ``F()``.
    """

    key = EncryptedTextField(help_text="Hex-encoded 160-bit seed, encrypted at rest.")
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "TOTP device"
        constraints = [
            models.UniqueConstraint(fields=["user"], name="twofactor_one_totp_device_per_user")
        ]

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def check_token(self, code: str) -> TokenCheck:
        """Verify a 6-digit code; record the step on success and a failure otherwise.

        Call it with the row locked (``select_for_update`` in a transaction) so that parallel
        attempts queue behind each other and each sees the back-off left by the previous one.
        The step update is conditional as well, so a code is never accepted twice even unlocked.
        """
        if not self.verify_is_allowed()[0]:
            return TokenCheck.THROTTLED
        found = totp.match(self.bin_key, code, drift=self.drift, min_t=self.last_t + 1)
        if found is not None:
            now = timezone.now()
            won = TOTPDevice.objects.filter(pk=self.pk, last_t__lt=found.t).update(
                last_t=found.t,
                drift=found.drift,
                last_used_at=now,
                throttling_failure_count=0,
                throttling_failure_timestamp=None,
            )
            if won:
                self.last_t, self.drift, self.last_used_at = found.t, found.drift, now
                self.throttling_failure_count, self.throttling_failure_timestamp = 0, None
                return TokenCheck.ACCEPTED
            result = TokenCheck.REPLAYED
        elif totp.match(self.bin_key, code, drift=self.drift) is not None:
            result = TokenCheck.REPLAYED
        else:
            result = TokenCheck.INVALID
        self.throttle_increment()
        return result

    def verify_token(self, token: Any) -> bool:
        """django-otp's interface (used by the OTP admin login form)."""
        code = "".join(str(token).split())
        return self.check_token(code) is TokenCheck.ACCEPTED

    def throttle_increment(self, commit: bool = True) -> None:
        """Count a failure with one ``UPDATE … SET n = n + 1`` (never read-modify-write)."""
        now = timezone.now()
        TOTPDevice.objects.filter(pk=self.pk).update(
            throttling_failure_count=F("throttling_failure_count") + 1,
            throttling_failure_timestamp=now,
        )
        self.refresh_from_db(fields=["throttling_failure_count", "throttling_failure_timestamp"])

    def throttle_reset(self, commit: bool = True) -> None:
        TOTPDevice.objects.filter(pk=self.pk).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        self.throttling_failure_count, self.throttling_failure_timestamp = 0, None


class BackupCodeSet(models.Model):
    """The user's current ten backup codes, sharing one random salt (see ``backup_codes``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backup_code_set"
    )
    salt = models.CharField(max_length=64)
    log2_n = models.PositiveSmallIntegerField(default=backup_codes.SCRYPT_LOG2_N)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"backup codes of {self.user_id}"

    def digest(self, code: str) -> str:
        return backup_codes.digest(code, salt=self.salt, log2_n=self.log2_n)


class BackupCodeQuerySet(models.QuerySet["BackupCode"]):
    def unused(self) -> "BackupCodeQuerySet":
        return self.filter(used_at__isnull=True)


class BackupCode(models.Model):
    code_set = models.ForeignKey(BackupCodeSet, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = BackupCodeQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["code_set", "digest"], name="twofactor_backup_code_unique_in_set"
            )
        ]

    def __str__(self) -> str:
        return f"backup code {self.pk} ({'used' if self.used_at else 'unused'})"
