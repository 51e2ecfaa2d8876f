"""Session revocation: ending a user's other sessions for real."""

from django.db.models import F

from accounts.models import User


def revoke_all_sessions(*, user: User) -> None:
    """End every session of the user.

    The session auth hash mixes in ``session_generation``; bumping it makes every stored session
    hash stale, so Django logs those sessions out on their next request, on any process. A view
    that wants to keep the caller's session calls ``update_session_auth_hash`` afterwards.
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
