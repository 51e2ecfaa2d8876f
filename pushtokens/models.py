"""Push-notification tokens of mobile and web clients: one row per token across all users."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_TOKENS_PER_USER = 20


class PushTokenQuerySet(models.QuerySet):
    def not_seen_since(self, cutoff: datetime) -> "PushTokenQuerySet":
        return self.filter(last_seen_at__lte=cutoff)


class PushToken(models.Model):
    class Platform(models.TextChoices):
        IOS = "ios", "iOS"
        ANDROID = "android", "Android"
        WEB = "web", "Web"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="push_tokens",
        db_index=False,  # pushtoken_user_seen_idx leads with user and serves these lookups
    )
    token = models.CharField(max_length=512)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    objects = PushTokenQuerySet.as_manager()

    class Meta:
        constraints = [
            # A constraint rather than unique=True: PostgreSQL then builds no extra LIKE index,
            # and the upsert's ON CONFLICT (token) infers this one.
            models.UniqueConstraint(fields=["token"], name="pushtoken_token_unique"),
        ]
        indexes = [
            # The per-user cap keeps the most recently seen rows.
            models.Index(fields=["user", "-last_seen_at"], name="pushtoken_user_seen_idx"),
            # Pruning of stale tokens.
            models.Index(fields=["last_seen_at"], name="pushtoken_last_seen_idx"),
        ]
        verbose_name = "push token"

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.masked_token}"

    @property
    def masked_token(self) -> str:
        """A short prefix, enough to tell tokens apart in the admin without exposing them."""
        return f"{self.token[:8]}…" if len(self.token) > 8 else "…"
