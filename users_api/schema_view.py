"""``GET /api/schema/``: the OpenAPI document."""

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request


class SchemaView(SpectacularAPIView):
    """drf-spectacular's view for an API with one version: ``?version=`` is ignored.

    drf-spectacular would copy the parameter into ``info.version`` and into the
    ``Content-Disposition`` header, where a control character (``?version=%00``) made gunicorn
    drop the response for an HTML 500.
    """

    def _get_version_parameter(self, request: Request) -> None:
        return None
