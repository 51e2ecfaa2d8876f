"""The OpenAPI document and its two HTML viewers, with errors in the contract's JSON."""

from typing import Any

from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class JSONErrorsMixin(APIView):
    """Render errors as JSON even where the view's renderers are HTML or YAML (docs/api.md §1.2).

    Without it a bad API key on ``/api/docs/`` answered ``text/html`` "401 Unauthorized" and
    ``/api/schema/`` its errors in YAML.
    """

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if getattr(response, "exception", False):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class SchemaView(JSONErrorsMixin, SpectacularAPIView):
    """The OpenAPI document. The API has one version, so ``?version=`` is ignored.

    drf-spectacular would copy the parameter into ``info.version`` and into the
    ``Content-Disposition`` header, where a control character (``?version=%00``) made gunicorn
    drop the response for an HTML 500.
    """

    def _get_version_parameter(self, request: Request) -> None:
        return None


# The viewers load their code from this service's static files only. The policy also stops what
# a bundle would fetch on its own (Redoc's footer logo from its vendor's CDN): nothing from
# another host, in any browser.
VIEWER_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


class OfflineViewerMixin(JSONErrorsMixin):
    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = VIEWER_CSP
        return response


class SwaggerView(OfflineViewerMixin, SpectacularSwaggerView):
    pass


class RedocView(OfflineViewerMixin, SpectacularRedocView):
    template_name = "users_api/redoc.html"
