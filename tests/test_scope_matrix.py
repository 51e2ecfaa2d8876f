"""Every route and every kind of caller → the status docs/api.md §2's table implies.

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
from organizations.models import (
    Dashboard,
    Organization,
    OrganizationInvite,
    OrganizationMembership,
)
from tests.conftest import PASSWORD

ANON, SESSION, READ, WRITE, ALL = "anonymous", "session", "key:user:read", "key:user:write", "key:*"
CALLERS = [ANON, SESSION, READ, WRITE, ALL]
_KEY_SCOPES = {READ: "user:read", WRITE: "user:write", ALL: "*"}


@dataclass
class Context:
    user: User
    key: PersonalAPIKey  # a key of ``user`` that the route may act on
    caller: str
    extra: dict[str, Any] = field(default_factory=dict)  # placeholders made by a route's setup


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


def _scene_body(ctx: Context) -> dict[str, Any]:
    dashboard = Dashboard.objects.create(team=ctx.user.current_team, name="Pinned")
    return {"scene": "insights", "dashboard": dashboard.pk}


def _invite_for_caller(ctx: Context) -> None:
    """An invite to the caller's address from the owner of another organization."""
    inviter = User.objects.create_user(f"inviter-{ctx.user.pk}@example.com", PASSWORD)
    organization = Organization.objects.create(name="Other", slug=f"other-{ctx.user.pk}")
    OrganizationMembership.objects.create(organization=organization, user=inviter, level=15)
    invite = OrganizationInvite.objects.create(
        organization=organization, target_email=ctx.user.email, created_by=inviter
    )
    ctx.extra["invite"] = invite.pk


def _invite_by_caller(ctx: Context) -> None:
    invite = OrganizationInvite.objects.create(
        organization=ctx.user.current_organization,
        target_email="someone@example.com",
        created_by=ctx.user,
    )
    ctx.extra["invite"] = invite.pk


SESSION_ONLY = expect(401, 200, 403, 403, 403)
READ_SCOPE = expect(401, 200, 200, 200, 200)
WRITE_SCOPE = expect(401, 200, 403, 200, 200)
# Session-only actions whose session answer is a 4xx for this caller's state.
SESSION_ONLY_400 = expect(401, 400, 403, 403, 403)

ROUTES = [
    # Sign-up, login, logout (docs/api.md §2.14): anonymous; keys are refused, they declare no
    # scope.
    Route("POST", "/api/signup/", expect(201, 201, 403, 403, 403), _signup_body),
    Route("POST", "/api/login/", expect(200, 200, 403, 403, 403), _login_body),
    Route("POST", "/api/logout/", expect(204, 204, 403, 403, 403)),
    # Personal API keys (docs/api.md §2.15): session only, except @current which is key only.
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
    # The user resource (docs/api.md §1.5, §2.13).
    Route("GET", "/api/users/", READ_SCOPE),
    Route("GET", "/api/users/{me}/", READ_SCOPE),
    Route("GET", "/api/users/{uuid}/", expect(401, 403, 403, 403, 403)),
    Route("PATCH", "/api/users/{me}/", WRITE_SCOPE, {"first_name": "Renamed"}),
    Route("PUT", "/api/users/{me}/", WRITE_SCOPE, {"first_name": "Renamed"}),
    # A key never changes the password (403); a session is told what is wrong with the body.
    Route("PATCH", "/api/users/{me}/", expect(401, 400, 403, 403, 403), {"password": "x"}),
    # The caller is the only member of their organization: it goes with them.
    Route("DELETE", "/api/users/{me}/", expect(401, 204, 403, 403, 403)),
    Route("GET", "/api/users/{me}/hedgehog_config/", READ_SCOPE),
    Route("PATCH", "/api/users/{me}/hedgehog_config/", WRITE_SCOPE, {"color": "blue"}),
    # Onboarding and scenes (docs/api.md §2.1, §2.4).
    Route("POST", "/api/users/{me}/onboarding/skip/", SESSION_ONLY, {"reason": "later"}),
    Route("POST", "/api/users/{me}/scene_personalisation/", SESSION_ONLY, _scene_body),
    Route(
        "DELETE", "/api/users/{me}/scene_personalisation/insights/", expect(401, 204, 403, 403, 403)
    ),
    Route(
        "POST",
        "/api/organizations/{org}/invites/delegate/",
        expect(401, 201, 403, 403, 403),
        {"target_email": "teammate@example.com"},
    ),
    Route("POST", "/api/invites/{invite}/accept/", SESSION_ONLY, setup=_invite_for_caller),
    Route(
        "DELETE",
        "/api/organizations/{org}/invites/{invite}/",
        expect(401, 204, 403, 403, 403),
        setup=_invite_by_caller,
    ),
    # Push tokens (docs/api.md §2.2, §2.3).
    Route("GET", "/api/users/{me}/push_tokens/", READ_SCOPE),
    Route(
        "POST",
        "/api/users/{me}/push_tokens/",
        WRITE_SCOPE,
        lambda ctx: {"token": f"device-{ctx.caller}", "platform": "ios"},
    ),
    Route(
        "POST",
        "/api/users/{me}/push_tokens/unregister/",
        expect(401, 204, 403, 204, 204),
        {"token": "device"},
    ),
    # Two-factor (docs/api.md §2.5-§2.9): session only.
    Route("GET", "/api/users/{me}/two_factor_start_setup/", SESSION_ONLY),
    Route("GET", "/api/users/{me}/start_2fa_setup/", SESSION_ONLY),
    Route("POST", "/api/users/{me}/two_factor_validate/", SESSION_ONLY_400, {"token": "123456"}),
    Route("POST", "/api/users/{me}/validate_2fa/", SESSION_ONLY_400, {"token": "123456"}),
    Route("GET", "/api/users/{me}/two_factor_status/", SESSION_ONLY),
    Route("POST", "/api/users/{me}/two_factor_backup_codes/", SESSION_ONLY_400),
    Route("POST", "/api/users/{me}/two_factor_disable/", SESSION_ONLY),
    Route("POST", "/api/login/token/", expect(401, 401, 403, 403, 403), {"token": "123456"}),
    Route("POST", "/api/reauthenticate/", SESSION_ONLY, {"password": PASSWORD}),
    # Email verification and change (docs/api.md §2.10-§2.12): anonymous allowed, keys refused.
    Route("PATCH", "/api/users/cancel_email_change_request/", SESSION_ONLY_400),
    Route(
        "POST",
        "/api/users/request_email_verification/",
        expect(400, 400, 403, 403, 403),
        lambda ctx: {"uuid": str(ctx.user.uuid)},
    ),
    Route(
        "POST",
        "/api/users/verify_email/",
        expect(400, 400, 403, 403, 403),  # the caller is verified: nothing to confirm
        lambda ctx: {"uuid": str(ctx.user.uuid), "code": "123456"},
    ),
    # Password reset (docs/api.md §2.16): anonymous allowed, keys refused.
    Route("POST", "/api/reset/", expect(204, 204, 403, 403, 403), {"email": "x@example.com"}),
    Route("GET", "/api/reset/{uuid}/?token=x", expect(400, 400, 403, 403, 403)),
    Route(
        "POST",
        "/api/reset/{uuid}/",
        expect(400, 400, 403, 403, 403),
        {"token": "x", "password": "a new passphrase 42"},
    ),
    # Docs and probes are public.
    Route("GET", "/api/schema/", expect(200, 200, 200, 200, 200)),
    Route("GET", "/_health/", expect(200, 200, 200, 200, 200)),
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
    path = route.path.format(
        me="@me",
        uuid=ctx.user.uuid,
        key_id=ctx.key.pk,
        org=ctx.user.current_organization_id,
        **ctx.extra,
    )
    body = route.body(ctx) if callable(route.body) else route.body

    response = getattr(client, route.method.lower())(path, body, format="json")

    assert response.status_code == route.expect[caller], response.content
    if response.status_code in (401, 403):
        assert response.json()["type"] == "authentication_error"
    if response.status_code == 401:
        assert response["WWW-Authenticate"]
