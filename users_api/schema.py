"""OpenAPI generation: every operation says which API-key scope it needs (docs/api.md §1.4) and
every error status it can answer (§1.2), derived from the view once, here."""

from typing import Any

import uritemplate
from django.core import validators
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from users_api.authentication import PersonalAPIKeyAuthentication
from users_api.permissions import key_scopes_of_operation

_BODY_METHODS = {"POST", "PUT", "PATCH"}
_ERROR_DESCRIPTIONS = {
    400: "Invalid input (`validation_error`) or a body that is not JSON (`invalid_request`).",
    401: "No credentials, or an unknown, revoked or expired API key.",
    403: "Not allowed: permission, API-key scope, session-only action, freshness or CSRF.",
    404: "No such object, or a path value this caller may not name.",
    413: "The body is larger than the limit.",
    415: "The body's media type is not accepted.",
    429: "Over a rate limit; retry after `Retry-After` seconds.",
    503: "The database or cache is unreachable; retry after `Retry-After` seconds.",
}
# The longest text of a JSON number as Python writes it: "-2.2250738585072014e-308".
_LONGEST_NUMBER_TEXT = 24
_LENGTH_VALIDATORS = (
    validators.MaxLengthValidator,
    validators.MinLengthValidator,
    validators.ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)
_STRING_KEYWORDS = ("type", "minLength", "maxLength", "pattern")
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}


def error_response(description: str) -> OpenApiResponse:
    """An error response for an operation; every error has the body of docs/api.md §1.2."""
    return OpenApiResponse(description=f"Error body `{{type, code, detail, attr}}`: {description}")


# The routes that manage the caller's own things (login sessions, passkeys): ``{uuid}`` is ``@me``.
ME_ONLY_PARAMETER = OpenApiParameter(
    "uuid", OpenApiTypes.STR, OpenApiParameter.PATH, description="Only the literal `@me`."
)
ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ME_ONLY_ERRORS = {
    401: error_response("`not_authenticated`."),
    403: error_response("`permission_denied`: an API key, or a uuid other than `@me`."),
}
ME_ONLY_FRESH_ERRORS = {
    **ME_ONLY_ERRORS,
    403: error_response(
        "`permission_denied` (an API key, or a uuid other than `@me`), or "
        "`sensitive_action_required_reauth`."
    ),
}


class AutoSchema(openapi.AutoSchema):
    def error_statuses(self) -> set[int]:
        """The error statuses this operation can answer, from what the view is made of."""
        statuses = {503}
        if self.view.get_authenticators():
            statuses |= {401, 403}
        if self.method in _BODY_METHODS:
            statuses |= {400, 413, 415}
        if self._get_filter_parameters():
            statuses.add(400)
        if uritemplate.variables(self.path):
            statuses.add(404)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _map_serializer_field(self, field: Any, direction: str, *args: Any, **kwargs: Any) -> Any:
        # What DRF's CharField enforces beyond the length: no NUL character and, unless blank is
        # allowed, something left after trimming whitespace.
        result = super()._map_serializer_field(field, direction, *args, **kwargs)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and result.get("type") == "string"
            and "pattern" not in result
        ):
            blank_refused = not field.allow_blank and field.trim_whitespace
            result["pattern"] = r"^[^\x00]*[^\s\x00][^\x00]*$" if blank_refused else r"^[^\x00]*$"
            if self._takes_numbers(field, result):
                string = {k: result.pop(k) for k in _STRING_KEYWORDS if k in result}
                # drf-spectacular adds the lengths only to a schema whose type is string.
                if field.max_length is not None:
                    string["maxLength"] = field.max_length
                if field.min_length is not None:
                    string["minLength"] = field.min_length
                result["anyOf"] = [string, {"type": "number"}]
        return result

    @staticmethod
    def _takes_numbers(field: serializers.CharField, result: dict[str, Any]) -> bool:
        """Whether any JSON number passes this field: DRF's CharField reads a number as its
        text (``0`` as ``"0"``), which then only has to fit the length. A field with a format,
        validators or a ``validate_<name>`` of its own (a token's shape, a password's rules)
        may refuse that text, so it is left as a string."""
        own_validators = [v for v in field.validators if not isinstance(v, _LENGTH_VALIDATORS)]
        return (
            type(field) is serializers.CharField
            and "format" not in result
            and not own_validators
            and not hasattr(field.parent, f"validate_{field.field_name}")
            and (field.max_length is None or field.max_length >= _LONGEST_NUMBER_TEXT)
            and (field.min_length or 0) <= 1
        )

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            responses = operation.setdefault("responses", {})
            for status in sorted(self.error_statuses()):
                responses.setdefault(
                    str(status),
                    {"description": _ERROR_DESCRIPTIONS[status], "content": _ERROR_CONTENT},
                )
            for status, response in responses.items():
                # An error documented by a description alone still has the error body.
                if status[0] in "45" and "content" not in response:
                    response["content"] = _ERROR_CONTENT
            operation["responses"] = dict(sorted(responses.items()))
        authenticators = self.view.get_authenticators()
        if operation is None or not any(
            isinstance(a, PersonalAPIKeyAuthentication) for a in authenticators
        ):
            return operation
        scopes = key_scopes_of_operation(self.view)
        # Security requirements of an http scheme cannot carry scopes in OpenAPI 3.0, so the
        # scope goes into a vendor extension and, for people, into the description.
        operation["x-api-key-scopes"] = scopes
        note = (
            f"API keys need the scope {', '.join(f'`{s}`' for s in scopes)}."
            if scopes
            else "API keys are refused (403)."
        )
        operation["description"] = "\n\n".join(filter(None, [operation.get("description"), note]))
        return operation
