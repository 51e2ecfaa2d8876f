"""Admin of the accounts app, one module per model family."""

from accounts.admin import api_keys, security_events, users

__all__ = ["api_keys", "security_events", "users"]
