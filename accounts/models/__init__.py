"""Models of the accounts app, one module per concept."""

from accounts.models.api_keys import PersonalAPIKey
from accounts.models.email_codes import EmailVerificationCode
from accounts.models.login_sessions import KnownDevice, LoginSession
from accounts.models.passkeys import Passkey
from accounts.models.security import SecurityEvent
from accounts.models.user import User, UserScenePersonalisation

__all__ = [
    "EmailVerificationCode",
    "KnownDevice",
    "LoginSession",
    "Passkey",
    "PersonalAPIKey",
    "SecurityEvent",
    "User",
    "UserScenePersonalisation",
]
