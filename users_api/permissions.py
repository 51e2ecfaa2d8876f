"""Who may call: API-key scopes (docs/api.md §1.4) and session freshness (docs/api.md §1.6)."""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import permissions
from rest_framework.request import Request

from accounts import freshness
from accounts.models import PersonalAPIKey

if TYPE_CHECKING:
    # Imported lazily: rest_framework.views imports these classes through its settings.
    from rest_framework.views import APIView


def api_key_of(request: Request) -> PersonalAPIKey | None:
    return request.auth if isinstance(request.auth, PersonalAPIKey) else None


def required_scopes(request: Request, view: "APIView") -> list[str]:
    """Scopes the view declares for this request: a list, or a dict by action or HTTP method."""
    declared = getattr(view, "required_scopes", None)
    if isinstance(declared, dict):
        action = getattr(view, "action", None)
        declared = (
            declared.get(action)
            if action in declared
            else declared.get(request.method.lower() if request.method else "")
        )
    return list(declared or [])


def key_scopes_of_operation(view: "APIView") -> list[str]:
    """Scopes a key needs for the view's current request; empty if the action refuses keys.

    Used by the OpenAPI schema, where ``view.request`` is a mock request for one operation.
    """
    if any(isinstance(check, SessionOnly) for check in view.get_permissions()):
        return []
    return required_scopes(view.request, view)


class APIScopePermission(permissions.BasePermission):
    """A key may call an action only if the action declares a scope the key holds."""

    message = "This API key does not have the scope this action requires."
    code = "permission_denied"

    def has_permission(self, request: Request, view: "APIView") -> bool:
        key = api_key_of(request)
        if key is None:
            return True
        scopes = required_scopes(request, view)
        # An action declaring no scope refuses every key, "*" included.
        return bool(scopes) and all(key.has_scope(scope) for scope in scopes)


class SessionOnly(permissions.BasePermission):
    """Refuse API keys outright (key management, two-factor, account deletion, ...)."""

    message = "This action requires a session; API keys cannot perform it."
    code = "permission_denied"

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return api_key_of(request) is None


class RecentlyAuthenticated(permissions.BasePermission):
    """Session callers of sensitive writes must have proved their password recently."""

    message = "This action requires you to re-authenticate."
    code = "sensitive_action_required_reauth"

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if api_key_of(request) is not None or not request.user.is_authenticated:
            return True
        return freshness.is_within(request.session, settings.SENSITIVE_ACTION_MAX_AGE)
