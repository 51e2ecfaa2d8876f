"""One outstanding email-verification code per user, bound to its target address.

Only a keyed digest of the code is stored. A new code replaces the row (superseding the old one
and resetting the attempt counter); ``attempts`` is incremented with a conditional UPDATE so
parallel guesses cannot exceed the budget.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class EmailVerificationCode(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verification_code"
    )
    target_email = models.EmailField(max_length=254)
    code_digest = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"code for {self.user_id} -> {self.target_email}"
