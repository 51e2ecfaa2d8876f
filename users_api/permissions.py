"""Who may call: API-key scopes (docs/api.md §1.4) and session freshness (docs/api.md §1.6)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import DisallowedHost
from rest_framework import exceptions, permissions
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
    """Refuse API keys outright: the one way a route says keys may not call it.

    Key management, two-factor, sessions, invites, account deletion, and the anonymous routes
    (login, sign-up, email codes, password reset). ``APIScopePermission`` also refuses a key on a
    route that declares no scope, but only as a safety net: routes say it with this class.
    """

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


class AllowedOrigin(permissions.BasePermission):
    """Refuse a browser's cross-site request unless its Origin is in ``CORS_ALLOWED_ORIGINS``.

    For the anonymous actions that open a session (login, sign-up, ``verify_email``): Django's
    CSRF check covers only authenticated writes, so another site's form could sign a victim's
    browser into the attacker's account (login CSRF). No Origin (a non-browser client) and the
    site's own origin pass; ``Origin: null`` (sandboxed or privacy-redirected pages) does not.
    """

    message = "Requests from this origin are not allowed."
    code = "origin_not_allowed"

    def has_permission(self, request: Request, view: "APIView") -> bool:
        # Raised, not returned: DRF turns a refused anonymous caller into a 401, and signing in
        # is no cure for the wrong origin.
        if not self._allowed(request):
            raise exceptions.PermissionDenied(self.message, code=self.code)
        return True

    @staticmethod
    def _allowed(request: Request) -> bool:
        origin = request.META.get("HTTP_ORIGIN")
        if origin is None:
            return True
        if origin in settings.CORS_ALLOWED_ORIGINS:
            return True
        try:
            own = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            return False
        return bool(origin == own)
