"""Password reset by email (docs/api.md §2.16): request a link, check its token, set a new password.

The request answers the same, after the same work, whether or not the address belongs to an
account: it only queues the task ``accounts.tasks.send_reset_link``, which does the lookup. The
token is Django's ``PasswordResetTokenGenerator``: an HMAC over the user's password hash, last
login and a timestamp, so it expires after ``PASSWORD_RESET_TIMEOUT``, dies when the password
changes (single use) and is never stored. A reset never logs in: the user signs in afterwards,
with the second factor if they have one.
"""

import logging
import uuid as uuid_lib
from functools import partial

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction

from accounts import errors
from accounts.models import SecurityEvent, User
from accounts.services import notices
from accounts.services.security_events import RequestMeta
from accounts.tasks import send_reset_link

logger = logging.getLogger(__name__)


def request_reset(*, email: str, meta: RequestMeta) -> None:
    """Queue the reset email for ``email`` if it is an account's: no lookup here (timing)."""
    task_kwargs = {"email": email, "ip": meta.ip, "user_agent": meta.user_agent}
    transaction.on_commit(partial(_enqueue, task_kwargs))


def _enqueue(task_kwargs: dict[str, str | None]) -> None:
    try:
        send_reset_link.apply_async(kwargs=task_kwargs)
    except Exception as exc:  # any broker failure: do it in this process instead
        logger.warning(
            "password reset: broker unavailable (%s), running inline", type(exc).__name__
        )
        send_reset_link.apply(kwargs=task_kwargs, throw=False)


def user_for_token(*, uuid: str, token: str) -> User:
    """The active user whose reset ``token`` this is; else ``errors.InvalidTokenError``."""
    try:
        parsed = uuid_lib.UUID(uuid)
    except ValueError:
        raise errors.InvalidTokenError from None
    if not token.isascii():  # a lone surrogate would break the HMAC comparison
        raise errors.InvalidTokenError
    user = User.objects.filter(uuid=parsed, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise errors.InvalidTokenError
    return user


@transaction.atomic
def reset_password(*, user: User, token: str, password: str, meta: RequestMeta) -> None:
    """Set ``password`` if ``token`` is still valid, end every session and pending login.

    The row lock makes the token single-use even for two parallel requests: the second one
    re-checks it against the new password hash and fails.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not default_token_generator.check_token(locked, token):
        raise errors.InvalidTokenError
    locked.set_password(password)
    locked.save(update_fields=["password"])
    # The new hash already ends sessions and pending logins (their auth hash no longer
    # matches); bump the generation too, so nothing depends on that detail.
    notices.record_and_notify(
        user=locked,
        event=SecurityEvent.Type.PASSWORD_RESET,
        template="password_reset_completed",
        meta=meta,
        end_sessions=True,
    )
    user.password, user.session_generation = locked.password, locked.session_generation
