"""HTTP adapters of the two-factor app: ``setup`` (the ``/api/users/{uuid}/…`` routes) and
``login`` (the login second step and re-authentication).

Every two-factor route under ``/api/users/`` is session-only: the views declare no API-key scope,
so a key is refused.
"""

from drf_spectacular.utils import OpenApiResponse


def error_response(description: str) -> OpenApiResponse:
    """An error response for the schema; every error has the body of docs/api.md §1.2."""
    return OpenApiResponse(description=f"Error body `{{type, code, detail, attr}}`: {description}")


SESSION_ERRORS = {
    401: error_response("`not_authenticated`."),
    403: error_response("`permission_denied`: two-factor routes refuse API keys."),
}
