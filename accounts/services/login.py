"""Password login (docs/api.md §2.14): check the pair and audit the outcome.

Session handling stays in ``accounts.login_flow`` (it needs the request); this module only
decides and records.
"""

from django.contrib.auth import authenticate

from accounts.models import SecurityEvent, User
from accounts.models.user import UserManager
from accounts.services import security_events
from accounts.services.security_events import RequestMeta


def check_password(*, email: str, password: str, meta: RequestMeta) -> User | None:
    """Return the active user with this email and password, else record a failure and None.

    Django's ModelBackend runs the password hasher for unknown emails and inactive users too,
    so every failure costs about the same time as a wrong password.
    """
    email = UserManager.normalize_email(email)
    user = authenticate(None, email=email, password=password)
    if user is not None:
        return user
    # Only the matched account is stored, never the typed text (it may be a password).
    security_events.record(
        type=SecurityEvent.Type.LOGIN_FAILED,
        user=User.objects.filter(email=email).first(),
        meta=meta,
        context={"reason": "invalid_credentials"},
    )
    return None


def record_login(*, user: User, meta: RequestMeta) -> None:
    security_events.record(type=SecurityEvent.Type.LOGIN_SUCCEEDED, user=user, meta=meta)
