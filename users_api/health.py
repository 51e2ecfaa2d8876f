"""Liveness and readiness probes, and the Prometheus scrape endpoint."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from users_api import errors, metrics
from users_api.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

_STATUS = inline_serializer("HealthStatus", {"status": serializers.CharField()})


class HealthView(APIView):
    """The process is up and serving requests; touches no backing service."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(responses=_STATUS, tags=["health"])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadyView(APIView):
    """The database and the cache answer; 503 in the error shape otherwise."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(responses=_STATUS, tags=["health"])
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            logger.warning("readiness: database unavailable")
            raise ServiceUnavailable("The database is unavailable.") from exc
        try:
            cache.set("_ready", "1", timeout=5)
            cache.get("_ready")
        except Exception as exc:
            logger.warning("readiness: cache unavailable")
            raise ServiceUnavailable("The cache is unavailable.") from exc
        return Response({"status": "ok"})


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Serve the metrics to a caller with ``Authorization: Bearer $METRICS_TOKEN``.

    Without a configured token, or with a wrong one, the endpoint does not exist (404): the
    numbers reveal traffic and failure rates, and an unconfigured deployment exposes nothing.
    """
    if not metrics.authorized(request.headers.get("Authorization", "")):
        return errors.page_not_found(request)
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
