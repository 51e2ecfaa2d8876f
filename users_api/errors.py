"""Turn every non-2xx outcome into the contract's error body (docs/api.md §1.2).

``{"type": ..., "code": ..., "detail": ..., "attr": ...}`` for DRF exceptions, Django's 404/400/
403/500 handlers, oversized bodies and an unreachable database. This module is the only place
that shapes errors.
"""

import logging
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import redis.exceptions
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import set_rollback

from users_api import metrics
from users_api.domain_errors import DomainError, Kind

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

_TYPE_BY_STATUS = {
    400: "validation_error",
    401: "authentication_error",
    403: "authentication_error",
    404: "invalid_request",
    405: "invalid_request",
    406: "invalid_request",
    409: "invalid_request",  # a conflict is the request's fault: retrying the same one fails too
    413: "invalid_request",
    415: "invalid_request",
    429: "throttled_error",
}


class Conflict(exceptions.APIException):
    """409: the request is valid but the resource's state forbids it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    """503: a backing service (database, cache) is unreachable; the client should retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable. Please retry shortly."
    default_code = "service_unavailable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is too large."
    default_code = "request_too_large"


ERROR_TYPES = (
    "validation_error",
    "authentication_error",
    "invalid_request",
    "throttled_error",
    "server_error",
)


class ErrorResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]  # stubs only
    """The body of every error response (4xx and 5xx)."""

    type = serializers.ChoiceField(choices=ERROR_TYPES)
    code = serializers.CharField(help_text="Stable snake_case code of the first error.")
    detail = serializers.CharField(help_text="Human-readable message of the first error.")
    attr = serializers.CharField(
        allow_null=True, help_text="Field path of the first error (nested keys joined by `__`)."
    )


def error_type_for(status_code: int) -> str:
    return _TYPE_BY_STATUS.get(status_code, "server_error")


def _encodable(text: str) -> str:
    """Escape lone surrogates, which UTF-8 cannot encode.

    A message or a field path may echo a JSON ``"\\ud800"`` escape from the request; left as is,
    rendering the error body would fail with a 500.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_body(status_code: int, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    if code == "invalid":
        code = "invalid_input"
    return {
        "type": error_type_for(status_code),
        "code": code,
        "detail": _encodable(str(detail)),
        "attr": None if attr is None else _encodable(attr),
    }


def first_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[str, str, str | None]:
    """Return (code, message, attr) of the first error in a DRF ``ErrorDetail`` tree."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                return first_error(value, path)
            return first_error(value, (*path, str(key)))
    if isinstance(detail, Sequence) and not isinstance(detail, str):
        for index, value in enumerate(detail):
            if isinstance(value, (Mapping, list)) and value:
                # A list field's per-item errors keep the index in the path (``scopes__1``).
                return first_error(value, (*path, str(index)))
            if not isinstance(value, (Mapping, list)):
                return first_error(value, path)
        return ("invalid_input", "Invalid input.", "__".join(path) or None)
    code = getattr(detail, "code", None) or "invalid_input"
    return (str(code), str(detail), "__".join(path) or None)


def _as_api_exception(exc: DomainError) -> exceptions.APIException:
    """The status each kind of refusal answers with (see ``users_api.domain_errors``)."""
    detail = ErrorDetail(exc.detail, code=exc.code)
    if exc.kind is Kind.INVALID:
        return exceptions.ValidationError({exc.attr: [detail]} if exc.attr else [detail])
    if exc.kind is Kind.UNAUTHENTICATED:
        return exceptions.AuthenticationFailed(detail)
    if exc.kind is Kind.FORBIDDEN:
        return exceptions.PermissionDenied(detail)
    return Conflict(detail)


def _is_backend_down(exc: BaseException) -> bool:
    """The database or the cache cannot be reached: the client should retry, not a bug."""
    return isinstance(
        exc,
        OperationalError
        | InterfaceError
        | redis.exceptions.ConnectionError
        | redis.exceptions.TimeoutError,
    )


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF exception handler: every exception becomes the contract's body."""
    if isinstance(exc, DomainError):
        exc = _as_api_exception(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif _is_backend_down(exc):
        logger.warning("backing service unavailable: %s", type(exc).__name__)
        exc = ServiceUnavailable()

    if isinstance(exc, exceptions.Throttled):
        view = context.get("view")
        metrics.count_throttle_refusal(
            getattr(view, "throttle_scope", None) or type(view).__name__ if view else "unknown"
        )
    set_rollback()
    if not isinstance(exc, exceptions.APIException):
        logger.exception("unhandled exception", exc_info=exc)
        return Response(
            error_body(500, "error", "A server error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)  # set by DRF's view on 401s
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)  # throttled
    if wait is not None:
        # Rounded up: a client that waits exactly this long must not be refused again.
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if isinstance(exc, ServiceUnavailable):
        headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))

    status_code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # DRF downgrades 401 to 403 when no authenticator offers a header; the contract wants 401.
        request = context.get("request")
        view = context.get("view")
        if request is not None and view is not None:
            header = view.get_authenticate_header(request)
            headers["WWW-Authenticate"] = header or 'Bearer realm="api"'
        status_code = status.HTTP_401_UNAUTHORIZED

    if isinstance(exc, exceptions.ValidationError):
        code, detail, attr = first_error(exc.detail)
        body = error_body(status_code, code, detail, attr)
    elif isinstance(exc, exceptions.ParseError):
        body = error_body(status_code, "parse_error", str(exc.detail))
        body["type"] = "invalid_request"
    else:
        code, detail, _ = first_error(exc.detail)
        body = error_body(status_code, code, detail)
    return Response(body, status=status_code, headers=headers)


def _json_error(
    status_code: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JsonResponse:
    response = JsonResponse(error_body(status_code, code, detail), status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(400, "bad_request", "Bad request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(403, "permission_denied", "You do not have permission to do this.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(404, "not_found", "Not found.")


def server_error(request: HttpRequest) -> JsonResponse:
    """Django's 500 handler; called inside the ``except`` block, so the cause is available."""
    exc = sys.exc_info()[1]
    if exc is not None and _is_backend_down(exc):
        logger.warning("backing service unavailable: %s", type(exc).__name__)
        return _json_error(
            503,
            "service_unavailable",
            ServiceUnavailable.default_detail,
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return _json_error(500, "error", "A server error occurred.")


def request_too_large() -> JsonResponse:
    return _json_error(413, PayloadTooLarge.default_code, PayloadTooLarge.default_detail)
