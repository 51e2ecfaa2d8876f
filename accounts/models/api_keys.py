"""Personal API keys: stored as SHA-256 digests, scoped, optionally expiring."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Scope(models.TextChoices):
    USER_READ = "user:read"
    USER_WRITE = "user:write"
    ALL = "*"


# What holding a scope grants (docs/api.md §1.4): write implies read, "*" is everything a key may
# do.
_IMPLIED = {
    Scope.ALL: {Scope.ALL, Scope.USER_READ, Scope.USER_WRITE},
    Scope.USER_WRITE: {Scope.USER_WRITE, Scope.USER_READ},
    Scope.USER_READ: {Scope.USER_READ},
}

MAX_KEYS_PER_USER = 10


class PersonalAPIKeyQuerySet(models.QuerySet):
    def usable(self, now: datetime | None = None) -> "PersonalAPIKeyQuerySet":
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), user__is_active=True)


class PersonalAPIKey(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_api_keys"
    )
    label = models.CharField(max_length=40)
    secure_value = models.CharField(max_length=64, unique=True, editable=False)
    mask_value = models.CharField(max_length=32, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_rolled_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalAPIKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "personal API key"

    def __str__(self) -> str:
        return f"{self.label} ({self.mask_value})"

    def has_scope(self, scope: str) -> bool:
        return any(scope in _IMPLIED.get(held, {held}) for held in self.scopes)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
