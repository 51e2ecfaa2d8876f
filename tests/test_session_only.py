"""Every route says how keys may call it: a scope per method, or ``SessionOnly``."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from users_api.permissions import SessionOnly

PUBLIC = {"SchemaView", "SwaggerView", "RedocView", "HealthView", "ReadyView"}


def _api_views(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, type[APIView]]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if isinstance(view, type) and issubclass(view, APIView):
                yield prefix + str(pattern.pattern), view


ROUTES = sorted(
    {
        (route, view)
        for route, view in _api_views(get_resolver().url_patterns)
        if view.__name__ not in PUBLIC
    },
    key=lambda item: item[0],
)


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=[route for route, _ in ROUTES])
def test_a_route_declares_scopes_or_refuses_keys_with_session_only(
    route: str, view: type[APIView]
) -> None:
    session_only = SessionOnly in view.permission_classes
    scopes = getattr(view, "required_scopes", None)
    assert session_only or scopes, f"{route}: declare required_scopes or use SessionOnly"
    assert not (session_only and scopes), f"{route}: SessionOnly with scopes is contradictory"


def test_the_check_sees_the_routes() -> None:
    assert len(ROUTES) > 30
