"""HTTP adapters of the two-factor app: ``setup`` (the ``/api/users/{uuid}/…`` routes) and
``login`` (the login second step and re-authentication).

Every two-factor route under ``/api/users/`` is session-only (``SessionOnly``): a key is refused.
"""

from users_api.schema import error_response

SESSION_ERRORS = {
    401: error_response("`not_authenticated`."),
    403: error_response("`permission_denied`: two-factor routes refuse API keys."),
}
