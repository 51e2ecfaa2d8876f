"""Personal API key use cases."""

from datetime import datetime

from accounts.models import PersonalAPIKey


def record_key_use(*, key: PersonalAPIKey, now: datetime) -> None:
    """Stamp ``last_used_at`` (callers write at most hourly, never on every request)."""
    PersonalAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
