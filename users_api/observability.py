"""One middleware per request: request id, probes, access log and metrics.

Kept as a single, first middleware because it runs on every request (its cost is measured in
docs/deployment.md). The probes are answered here, before anything calls ``request.get_host()``:
an orchestrator probes by pod IP, which is not in ``ALLOWED_HOSTS`` and must not be a 400.
"""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from users_api import metrics, request_id

access_logger = logging.getLogger("users_api.access")


def _probe_views() -> dict[str, Callable[[HttpRequest], HttpResponse]]:
    from users_api.health import HealthView, ReadyView

    return {"/_health/": HealthView.as_view(), "/_ready/": ReadyView.as_view()}


def _user_id(request: HttpRequest) -> str | None:
    """The authenticated user's public id, without loading a session nobody asked for."""
    user = request.__dict__.get("user")
    if user is None or (
        isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", None) is empty
    ):
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    return str(getattr(user, "uuid", user.pk))


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.probes = _probe_views()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        rid = request_id.choose(request.headers.get(request_id.HEADER, ""))
        token = request_id.current.set(rid)
        try:
            probe = self.probes.get(request.path_info)
            if probe is not None:
                response = probe(request)
                response.render()  # type: ignore[attr-defined]  # a DRF Response
                route = request.path_info
            else:
                response = self.get_response(request)
                match = request.resolver_match
                route = f"/{match.route}" if match is not None else "<unmatched>"
            response[request_id.HEADER] = rid
            seconds = time.perf_counter() - started
            metrics.observe_request(
                route=route,
                method=request.method or "",
                status=response.status_code,
                seconds=seconds,
            )
            level = logging.DEBUG if probe is not None else logging.INFO
            if access_logger.isEnabledFor(level):  # the fields are built only for a logged line
                access_logger.log(
                    level,
                    "%s %s %s %.1fms",
                    request.method,
                    request.path,
                    response.status_code,
                    seconds * 1000,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 2),
                        "user_id": _user_id(request),
                    },
                )
            return response
        finally:
            request_id.current.reset(token)
