"""Passkeys (WebAuthn credentials) registered as a second factor (docs/api.md §2.18).

Only public material is stored: the credential id, the COSE public key and the signature
counter. The ceremonies themselves are in ``twofactor.webauthn``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

MAX_PASSKEYS_PER_USER = 10


class Passkey(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(max_length=64)
    # base64url of the raw credential id (at most 1023 bytes by the WebAuthn spec).
    credential_id = models.CharField(max_length=1400, unique=True, editable=False)
    public_key = models.BinaryField(editable=False)
    # Compared on every use: a counter that does not move forward means a cloned authenticator.
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    backed_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name
