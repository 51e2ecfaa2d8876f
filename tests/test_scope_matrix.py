"""Every route and every kind of caller → the status SPEC §2's table implies.

Table-driven so routes from every app can be added: one ``Route`` per method and path, with
the expected status for each caller. Placeholders in ``path``: ``{me}`` (always ``@me``),
``{uuid}`` (the caller's own uuid), ``{key_id}`` (a key owned by the caller). ``body`` may be
a callable taking the caller's ``Context`` (for values that must be unique per call).

Every caller is an active, verified owner of an organization, with a fresh session; keys
belong to that same user.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import PersonalAPIKey, User
from tests.conftest import PASSWORD

ANON, SESSION, READ, WRITE, ALL = "anonymous", "session", "key:user:read", "key:user:write", "key:*"
CALLERS = [ANON, SESSION, READ, WRITE, ALL]
_KEY_SCOPES = {READ: "user:read", WRITE: "user:write", ALL: "*"}


@dataclass
class Context:
    user: User
    key: PersonalAPIKey  # a key of ``user`` that the route may act on
    caller: str


@dataclass
class Route:
    method: str
    path: str
    expect: dict[str, int]
    body: dict[str, Any] | Callable[[Context], dict[str, Any]] | None = None
    setup: Callable[[Context], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        assert set(self.expect) == set(CALLERS), f"{self.method} {self.path}: a caller is missing"


def expect(anonymous: int, session: int, read: int, write: int, all_: int) -> dict[str, int]:
    return {ANON: anonymous, SESSION: session, READ: read, WRITE: write, ALL: all_}


def _signup_body(ctx: Context) -> dict[str, Any]:
    return {"email": f"new-{ctx.caller}@example.com", "password": PASSWORD, "first_name": "N"}


def _login_body(ctx: Context) -> dict[str, Any]:
    return {"email": ctx.user.email, "password": PASSWORD}


SESSION_ONLY = expect(401, 200, 403, 403, 403)

ROUTES = [
    # Sign-up, login, logout (SPEC §2.14): anonymous; keys are refused, they declare no scope.
    Route("POST", "/api/signup/", expect(201, 201, 403, 403, 403), _signup_body),
    Route("POST", "/api/login/", expect(200, 200, 403, 403, 403), _login_body),
    Route("POST", "/api/logout/", expect(204, 204, 403, 403, 403)),
    # Personal API keys (SPEC §2.15): session only, except @current which is key only.
    Route("GET", "/api/personal_api_keys/", SESSION_ONLY),
    Route(
        "POST",
        "/api/personal_api_keys/",
        expect(401, 201, 403, 403, 403),
        {"label": "new", "scopes": ["user:read"]},
    ),
    Route("GET", "/api/personal_api_keys/{key_id}/", SESSION_ONLY),
    Route("PATCH", "/api/personal_api_keys/{key_id}/", SESSION_ONLY, {"label": "renamed"}),
    Route("PUT", "/api/personal_api_keys/{key_id}/", expect(401, 405, 403, 403, 403), {}),
    Route("POST", "/api/personal_api_keys/{key_id}/roll/", SESSION_ONLY),
    Route("DELETE", "/api/personal_api_keys/{key_id}/", expect(401, 204, 403, 403, 403)),
    Route("GET", "/api/personal_api_keys/@current/", expect(401, 404, 200, 200, 200)),
]


@pytest.fixture
def caller_client(make_user, make_api_key, session_client, monkeypatch):
    # Sign-up queues a verification code; the matrix is about who may call, not about mail.
    monkeypatch.setattr(
        "accounts.services.email_verification.send_verification_code", lambda *, user: None
    )

    def make(caller: str) -> tuple[APIClient, Context]:
        user = make_user(email=f"caller-{caller.replace(':', '-')}@example.com", with_team=True)
        key, _ = make_api_key("user:read", user=user, label="target")
        ctx = Context(user=user, key=key, caller=caller)
        if caller == ANON:
            return APIClient(), ctx
        if caller == SESSION:
            return session_client(user), ctx
        _, value = make_api_key(_KEY_SCOPES[caller], user=user, label="caller")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        return client, ctx

    return make


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_answers_each_caller_as_the_contract_says(caller_client, route, caller):
    client, ctx = caller_client(caller)
    if route.setup:
        route.setup(ctx)
    path = route.path.format(me="@me", uuid=ctx.user.uuid, key_id=ctx.key.pk)
    body = route.body(ctx) if callable(route.body) else route.body

    response = getattr(client, route.method.lower())(path, body, format="json")

    assert response.status_code == route.expect[caller], response.content
    if response.status_code in (401, 403):
        assert response.json()["type"] == "authentication_error"
    if response.status_code == 401:
        assert response["WWW-Authenticate"]
