"""Admin of the accounts app, one module per model group."""

from accounts.admin import api_keys, security_events

__all__ = ["api_keys", "security_events"]
