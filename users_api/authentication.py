"""Authentication: session cookie (with CSRF) and personal API keys in the Bearer header only."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django_otp import user_has_device
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts import key_crypto, login_flow
from accounts.models import PersonalAPIKey, User
from accounts.services import api_keys as api_key_services
from users_api.permissions import key_scopes_of_operation
from users_api.prepared import PreparedQuery

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema

LAST_USED_WRITE_INTERVAL = timedelta(hours=1)
_QUERY_PARAMS_REFUSED = ("personal_api_key", "api_key", "token")
# Body fields are a narrower list: "token" is a legitimate body field (TOTP code, push token).
_BODY_FIELDS_REFUSED = ("personal_api_key", "api_key")
# The usable key with this digest, with its user: compiled once per process (users_api/prepared.py).
_KEY_LOOKUP: PreparedQuery = PreparedQuery(
    lambda secure_value, now: (
        PersonalAPIKey.objects.usable(now)
        .select_related("user")
        .filter(secure_value=secure_value)
        .order_by("pk")
    ),
    secure_value=str,
    now=datetime,
)


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication; revoked sessions are already anonymous (auth hash check).

    A session of a user with a second factor that did not pass it (the admin's password-only
    login used to make one, issue 17) is refused. Sessions opened by the API's login flows, or
    verified by django-otp, cost no query; any other session (the admin's) costs one.
    """

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        if not login_flow.passed_second_factor(request.session) and user_has_device(
            user, confirmed=True
        ):
            raise exceptions.AuthenticationFailed(
                "This session did not pass the second factor; log in again.",
                code="2fa_required",
            )
        return result

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="api"'


class PersonalAPIKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer phx_…``. A key anywhere else is refused, never silently ignored."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, PersonalAPIKey] | None:
        for name in _QUERY_PARAMS_REFUSED:
            value = request.query_params.get(name)
            # "token" is also the password-reset link's parameter: refuse it only as a key.
            if value is not None and (name != "token" or key_crypto.looks_like_key(value)):
                raise exceptions.AuthenticationFailed(
                    "API keys are accepted only in the Authorization header."
                )
        # Parsed once and cached by DRF; a malformed body is therefore a 400 before any 401.
        # A request without a body (every GET in practice) has nothing to parse.
        meta = request.META
        has_body = (
            meta.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in meta
        )
        data = request.data if has_body else None
        if isinstance(data, Mapping) and any(name in data for name in _BODY_FIELDS_REFUSED):
            raise exceptions.AuthenticationFailed(
                "API keys are accepted only in the Authorization header."
            )
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        value = value.strip()
        if not value or not key_crypto.looks_like_key(value):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        now = timezone.now()
        key = _KEY_LOOKUP.first(secure_value=key_crypto.digest(value), now=now)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_WRITE_INTERVAL:
            api_key_services.record_key_use(key=key, now=now)
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class PersonalAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "users_api.authentication.PersonalAPIKeyAuthentication"
    name = "PersonalAPIKey"

    # drf-spectacular leaves a scheme out of an operation when this is None (its stubs say
    # otherwise).
    def get_security_requirement(  # type: ignore[override]
        self, auto_schema: "AutoSchema"
    ) -> dict[str, list[str]] | None:
        # Only operations that admit keys list the scheme; the others refuse every key.
        return {self.name: []} if key_scopes_of_operation(auto_schema.view) else None

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "phx_<key>",
            "description": "Personal API key, only in the Authorization header. Scopes: "
            "`user:read`, `user:write` (implies read), `*`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "users_api.authentication.SessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
