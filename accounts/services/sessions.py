"""Session revocation: ending a user's sessions for real, on every node."""

from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import F

from accounts.models import LoginSession, User


def revoke_all_sessions(*, user: User, keep_session_key: str | None = None) -> int:
    """End every session of the user but ``keep_session_key``; return how many listed ones ended.

    The session auth hash mixes in ``session_generation``; bumping it makes every stored session
    hash stale, so Django logs those sessions out on their next request, on any process (this
    also covers a session opened before login sessions were tracked). The tracked sessions are
    then deleted from the store outright. A view that keeps the caller's session passes its key
    and calls ``update_session_auth_hash`` afterwards.
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    ended = LoginSession.objects.filter(user=user)
    if keep_session_key:
        ended = ended.exclude(session_key=keep_session_key)
    return end_login_sessions(ended)


def end_login_sessions(login_sessions: Iterable[LoginSession]) -> int:
    """Delete the sessions from the store (database and cache) and their rows; return the count.

    The store is cleared after the surrounding transaction commits: were the cache emptied
    first, another node could read the still-committed session back into it.
    """
    rows = list(login_sessions)
    if not rows:
        return 0
    LoginSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    keys = [row.session_key for row in rows]
    transaction.on_commit(lambda: _delete_from_store(keys))
    return len(rows)


def _delete_from_store(keys: list[str]) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key in keys:
        store.delete(key)
