"""The transactional email outbox: one row per email, written in the transaction that causes it.

A row is delivered (by the worker, or by the web process after commit, or by
``manage.py send_pending_emails``) until the SMTP server accepts it; it is then marked sent in the
same transaction that held its row lock, so it goes out once. The context (which may hold a
verification code or a reset link) is stored sealed with ``FIELD_ENCRYPTION_KEYS``, never in clear.
"""

import uuid

from django.db import models
from django.utils import timezone


class OutboxEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        DROPPED = "dropped", "dropped (its code expired before delivery)"
        FAILED = "failed", "failed (refused permanently by the server)"

    # Also the Message-ID: every attempt of one email carries the same id.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.CharField(max_length=100)
    to = models.EmailField(max_length=254)
    sealed_context = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # When the code or link in the email stops working; an email still pending then is dropped.
    expires_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox email"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_due",
            ),
            models.Index(fields=["status", "created_at"], name="outbox_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.status})"
