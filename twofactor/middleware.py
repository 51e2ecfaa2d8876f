"""django-otp's middleware, with the device looked up only when something asks for it."""

from typing import Any

from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware


class LazyOTPMiddleware(OTPMiddleware):
    """``request.user.otp_device`` (and ``is_verified()``) load the session's device on first use.

    django-otp loads it as soon as ``request.user`` is evaluated: one query on every request of a
    session that passed a second factor, though only the admin and the login steps read it. The
    result is the same, checks included (the device must be the user's and confirmed; a stale id
    leaves the session); only the moment of the query moves.
    """

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            if persistent_id:
                user.defer_otp_device(
                    lambda: self._finalize_device(
                        request, user, self._device_from_persistent_id(persistent_id)
                    )
                )
        return user
