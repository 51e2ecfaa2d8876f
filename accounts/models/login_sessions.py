"""Login sessions a user can see and end (docs/api.md §2.17), and the devices they signed in from.

A ``LoginSession`` row mirrors one Django session: the session itself (cookie, data, expiry)
stays in the session store (PostgreSQL with Redis in front); the row holds what the owner is
shown, under an opaque id, so the session key never leaves the server.
"""

import uuid

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone


class LoginSessionQuerySet(models.QuerySet["LoginSession"]):
    def live(self) -> "LoginSessionQuerySet":
        """Rows whose session still exists in the store and has not expired."""
        live_keys = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        return self.filter(session_key__in=live_keys)


class LoginSession(models.Model):
    class Method(models.TextChoices):
        PASSWORD = "password"  # noqa: S105 - a method name
        PASSWORD_TOTP = "password+totp"  # noqa: S105
        PASSWORD_BACKUP_CODE = "password+backup_code"  # noqa: S105
        PASSWORD_PASSKEY = "password+passkey"  # noqa: S105
        EMAIL_CODE = "email_code"
        # Reserved for the reference shape: a password reset never opens a session here.
        RESET = "reset"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions"
    )
    # Follows the session through key rotation (login, re-authentication); never shown.
    session_key = models.CharField(max_length=40, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    device = models.CharField(max_length=120, blank=True, default="")
    login_method = models.CharField(max_length=32, choices=Method.choices)

    objects = LoginSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["user", "-last_activity_at"], name="login_session_user_idx")
        ]

    def __str__(self) -> str:
        return f"{self.device or 'unknown device'} ({self.login_method})"


class KnownDevice(models.Model):
    """A device label the user has signed in from; a new one triggers a notice email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices"
    )
    device = models.CharField(max_length=120)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "device"], name="unique_known_device")
        ]

    def __str__(self) -> str:
        return self.device
