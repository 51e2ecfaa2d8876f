"""Which user a ``{uuid}`` path segment names (docs/api.md §1.5)."""

import uuid as uuid_lib

from django.http import Http404
from rest_framework import exceptions
from rest_framework.request import Request

from accounts.models import User

ME = "@me"


def require_me(value: str, *, what: str) -> None:
    """Refuse (403) any path value but ``@me``, staff included: ``what`` is the caller's own."""
    if value != ME:
        raise exceptions.PermissionDenied(f"{what} can only be managed for @me.")


def target_user(request: Request, value: str) -> User:
    """``@me`` is the caller; another value is for staff only (403 otherwise, even one's own)."""
    if value == ME:
        return request.user
    if not request.user.is_staff:
        raise exceptions.PermissionDenied("Use @me to refer to yourself.")
    try:
        parsed = uuid_lib.UUID(value)
    except ValueError:
        raise Http404 from None
    user = User.objects.filter(uuid=parsed, is_active=True).first()
    if user is None:
        raise Http404
    return user
