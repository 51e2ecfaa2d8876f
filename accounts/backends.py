"""Who a session belongs to, read with a query compiled once per process."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from users_api.prepared import PreparedQuery

_USER_BY_PK: PreparedQuery = PreparedQuery(lambda pk: User.objects.filter(pk=pk), pk=int)


class SessionUserBackend(ModelBackend):
    """Django's ``ModelBackend`` for the sessions the API's login flows open.

    Every request of a session reads its user through the session's backend;
    ``ModelBackend.get_user`` built and compiled that query each time (about a quarter of a
    2FA-status request's CPU; docs/performance.md). Same rules: an inactive user has no session.
    It authenticates nobody (``authenticate()`` goes on to ``ModelBackend``, which checks the
    password, once per attempt).
    Sessions that name ``ModelBackend`` (the admin's, older ones) keep working through it.
    """

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def get_user(self, user_id: Any) -> User | None:
        user = _USER_BY_PK.first(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
