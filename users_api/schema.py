"""OpenAPI generation: say on every operation which API-key scope it needs (docs/api.md §1.4)."""

from typing import Any

from drf_spectacular import openapi

from users_api.authentication import PersonalAPIKeyAuthentication
from users_api.permissions import key_scopes_of_operation


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
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
