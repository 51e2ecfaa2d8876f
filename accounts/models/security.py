"""Security events: an append-only audit trail staff can browse (docs/api.md §3). Never secrets."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityEvent(models.Model):
    class Type(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded"
        LOGIN_FAILED = "login_failed"
        SECOND_FACTOR_FAILED = "second_factor_failed"
        TWO_FACTOR_ENABLED = "two_factor_enabled"
        TWO_FACTOR_DISABLED = "two_factor_disabled"
        BACKUP_CODES_REGENERATED = "backup_codes_regenerated"
        BACKUP_CODE_USED = "backup_code_used"
        TOTP_REPLAY_REFUSED = "totp_replay_refused"
        PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
        EMAIL_CHANGE_REQUESTED = "email_change_requested"
        EMAIL_CHANGE_CONFIRMED = "email_change_confirmed"
        EMAIL_CHANGE_CANCELLED = "email_change_cancelled"
        API_KEY_CREATED = "api_key_created"
        API_KEY_ROLLED = "api_key_rolled"
        API_KEY_REVOKED = "api_key_revoked"
        INVITE_CREATED = "invite_created"
        INVITE_ACCEPTED = "invite_accepted"
        INVITE_REFUSED = "invite_refused"
        INVITE_REVOKED = "invite_revoked"
        TWO_FACTOR_LOCKOUT_CLEARED = "two_factor_lockout_cleared"
        PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an event name
        PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name
        LOGIN_SESSION_ENDED = "login_session_ended"
        NEW_DEVICE_SIGN_IN = "new_device_sign_in"
        PASSKEY_REGISTERED = "passkey_registered"
        PASSKEY_REMOVED = "passkey_removed"
        PASSKEY_REFUSED = "passkey_refused"
        PASSKEYS_ENABLED_FOR_2FA = "passkeys_enabled_for_2fa"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="security_events",
    )
    type = models.CharField(max_length=40, choices=Type.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="security_event_user_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
