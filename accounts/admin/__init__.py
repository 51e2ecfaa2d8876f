"""Admin of the accounts app, one module per model family."""

from accounts.admin import api_keys, login_sessions, security_events, users

__all__ = ["api_keys", "login_sessions", "security_events", "users"]
