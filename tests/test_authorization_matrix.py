"""Who may do what to whom: every route that names an organization, a team, an invite, a key or
another user, for every kind of caller, in ONE table (issue 15, extended by issue 17).

The world of every case:
- organization O (first team, one dashboard) with its owner (15), an admin (8) and a member (1);
- T: another level-1 member of O, TOTP on, with a personal API key; S2: another staff user;
  U2: another superuser;
- the non-member caller owns an organization of their own.

Callers (the table's columns): anonymous, the non-member, member, admin and owner of O, a staff
user and a superuser (neither a member of O; sessions with a recent password proof), and keys:
``k:read``, ``k:write``, ``k:*`` belong to the staff caller, ``su-k:*`` to the superuser, so a key
cell shows the most a key can do.

A cell is the status code, except where a row says otherwise (``ALL``/``SELF``: which users a
list shows). ``test_every_route_that_names_someone_has_a_row`` walks the URL resolver and the
OpenAPI schema: a new such route (any ``/api/`` path parameter, any admin object page) without a
row here fails.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyotp
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import LoginSession, Passkey, User
from organizations.models import (
    Dashboard,
    Organization,
    OrganizationInvite,
    OrganizationMembership,
)
from tests.conftest import PASSWORD
from twofactor import totp
from twofactor.services import setup as twofactor_setup

CALLERS = (
    "anon",
    "nonmember",
    "member",
    "admin",
    "owner",
    "staff",
    "superuser",
    "k:read",
    "k:write",
    "k:*",
    "su-k:*",
)
_KEYS = {"k:read": "user:read", "k:write": "user:write", "k:*": "*", "su-k:*": "*"}

ALL, SELF = "all", "self"  # GET /api/users/: the other user is listed / only the caller is
NEW_PASSWORD = "a quite different passphrase 77"


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the resolver's template, parameters as ``{name}``
    action: str  # read, create, accept, revoke, delete, update
    bind: dict[str, str]  # path parameter → a name in the world (see ``_bind``)
    body: dict[str, Any] | None
    cells: dict[str, int | str] = field(compare=False)
    outcome: Callable[[Any, dict[str, Any]], int | str] | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        bound = ",".join(f"{k}={v}" for k, v in self.bind.items())
        keys = ",".join(self.body or {})
        return f"{self.method} {self.path} [{bound}] {{{keys}}}"


def row(method, path, action, bind, body, *cells, outcome=None) -> Row:
    assert len(cells) == len(CALLERS), f"{method} {path}: one cell per caller"
    return Row(method, path, action, bind, body, dict(zip(CALLERS, cells, strict=True)), outcome)


def _listed(response, world) -> int | str:
    if response.status_code != 200:
        return response.status_code
    return ALL if str(world["T"].uuid) in {u["uuid"] for u in response.json()["results"]} else SELF


USER = "/api/users/{uuid}/"
HEDGEHOG = "/api/users/{uuid}/hedgehog_config/"
SCENES = "/api/users/{uuid}/scene_personalisation/"
DELEGATE = "/api/organizations/{organization_id}/invites/delegate/"
ACCEPT = "/api/invites/{invite_id}/accept/"
INVITE = "/api/organizations/{organization_id}/invites/{invite_id}/"
KEY = "/api/personal_api_keys/{id}/"
KEY_OF_T = {"id": "key_of_T"}
ADMIN_OBJECT = "/admin/{model}/{object_id}/"
MEMBERSHIP_OF_T = {"model": "organizations/organizationmembership", "object_id": "membership_of_T"}
T, S2, U2 = {"uuid": "T"}, {"uuid": "S2"}, {"uuid": "U2"}
ME = {"uuid": "@me"}
FIRST_NAME = {"first_name": "Renamed"}
EMAIL = {"email": "taken-over@example.com"}
PASSWORD_CHANGE = {"password": NEW_PASSWORD, "current_password": PASSWORD}
MAKE_STAFF = {"is_staff": True}
TOKEN = {"token": "123456"}
SCENE = {"scene": "insights", "dashboard": "dashboard"}  # "dashboard" → O's dashboard id

# fmt: off
TABLE = [
    # Columns:  anon non  mem  adm  own  staff su  k:r  k:w  k:*  su-k:*
    #
    # --- Invites of organization O (docs/api.md §2.1): session only; keys never.
    row("POST", DELEGATE, "create", {"organization_id": "O"}, {"target_email": "new@example.com"},
                401, 403, 201, 201, 201, 403, 403, 403, 403, 403, 403),
    row("POST", ACCEPT, "accept", {"invite_id": "invite_to_caller"}, None,
                401, 200, 400, 400, 400, 200, 200, 403, 403, 403, 403),
    row("POST", ACCEPT, "accept", {"invite_id": "invite_to_T"}, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("DELETE", INVITE, "revoke", {"organization_id": "O", "invite_id": "invite_by_member"}, None,
                401, 403, 204, 204, 204, 403, 403, 403, 403, 403, 403),
    row("DELETE", INVITE, "revoke", {"organization_id": "O", "invite_id": "invite_by_admin"}, None,
                401, 403, 403, 204, 204, 403, 403, 403, 403, 403, 403),
    row("DELETE", INVITE, "revoke",
        {"organization_id": "own_organization", "invite_id": "invite_by_member"}, None,
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    # --- The caller's own account naming O, its team or its dashboard (docs/api.md §2.4, §2.13).
    row("PATCH", USER, "update", ME, {"set_current_organization": "O"},
                401, 400, 200, 200, 200, 400, 400, 403, 400, 400, 400),
    row("PATCH", USER, "update", ME, {"set_current_team": "team"},
                401, 400, 200, 200, 200, 400, 400, 403, 400, 400, 400),
    row("POST", SCENES, "create", ME, SCENE,
                401, 400, 200, 200, 200, 400, 400, 403, 403, 403, 403),
    # --- Other users (docs/api.md §1.5): staff only.
    row("GET", "/api/users/", "read", {}, None,
                401, SELF, SELF, SELF, SELF, ALL, ALL, ALL, ALL, ALL, ALL, outcome=_listed),
    row("GET", USER, "read", T, None,
                401, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200),
    row("PATCH", USER, "update", T, FIRST_NAME,
                401, 403, 403, 403, 403, 200, 200, 403, 200, 200, 200),
    row("PUT", USER, "update", T, FIRST_NAME,
                401, 403, 403, 403, 403, 200, 200, 403, 200, 200, 200),
    # Staff over other staff and superusers, and over another user's email, password, second
    # factor and staff status (the rules of issue 17 item 2): a superuser's fresh session only.
    row("GET", USER, "read", S2, None,
                401, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200),
    row("GET", USER, "read", U2, None,
                401, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200),
    row("PATCH", USER, "update", S2, FIRST_NAME,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("PATCH", USER, "update", U2, FIRST_NAME,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("PATCH", USER, "update", T, EMAIL,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("PATCH", USER, "update", U2, EMAIL,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("PATCH", USER, "update", T, PASSWORD_CHANGE,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("PATCH", USER, "update", U2, PASSWORD_CHANGE,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("PATCH", USER, "update", T, MAKE_STAFF,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/two_factor_disable/", "delete", T, None,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/two_factor_disable/", "delete", U2, None,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    row("PATCH", USER, "update", U2, MAKE_STAFF,
                401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    # Deleting another account is a superuser's act (issue 17), staff get 403.
    row("DELETE", USER, "delete", T, None,
                401, 403, 403, 403, 403, 403, 409, 403, 403, 403, 403),
    row("GET", HEDGEHOG, "read", T, None,
                401, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200),
    row("PATCH", HEDGEHOG, "update", T, {"color": "red"},
                401, 403, 403, 403, 403, 200, 200, 403, 200, 200, 200),
    row("POST", "/api/users/{uuid}/onboarding/skip/", "update", T, {"reason": "later"},
                401, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    row("POST", SCENES, "create", T, SCENE,
                401, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    row("DELETE", SCENES + "{scene}/", "delete", {"uuid": "T", "scene": "insights"}, None,
                401, 403, 403, 403, 403, 204, 204, 403, 403, 403, 403),
    # Push tokens are managed for @me only, by anyone (docs/api.md §2.2, §2.3).
    row("GET", "/api/users/{uuid}/push_tokens/", "read", T, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/push_tokens/", "create", T, {"token": "d1", "platform": "ios"},
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/push_tokens/unregister/", "delete", T, {"token": "d1"},
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("GET", "/api/users/{uuid}/two_factor_status/", "read", T, None,
                401, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/two_factor_disable/", "delete", ME, None,
                401, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/two_factor_backup_codes/", "create", T, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # These act on the caller whatever the path names (docs/api.md §2.5, §2.8, §2.10): never on T.
    row("GET", "/api/users/{uuid}/two_factor_start_setup/", "create", T, None,
                401, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403),
    row("GET", "/api/users/{uuid}/start_2fa_setup/", "create", T, None,
                401, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/two_factor_validate/", "create", T, TOKEN,
                401, 400, 400, 400, 400, 400, 400, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/validate_2fa/", "create", T, TOKEN,
                401, 400, 400, 400, 400, 400, 400, 403, 403, 403, 403),
    # Login sessions are listed and ended for @me only; another user's session id is not found
    # (docs/api.md §2.17).
    row("GET", "/api/users/{uuid}/login_sessions/", "read", T, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("GET", "/api/users/{uuid}/login_sessions/", "read", ME, None,
                401, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403),
    row("DELETE", "/api/users/{uuid}/login_sessions/{id}/", "revoke",
        {"uuid": "@me", "id": "login_session_of_T"}, None,
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    row("DELETE", "/api/users/{uuid}/login_sessions/{id}/", "revoke",
        {"uuid": "T", "id": "login_session_of_T"}, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/login_sessions/revoke_others/", "revoke", T, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # Passkeys are managed for @me only; another user's passkey is not found (docs/api.md §2.18).
    row("GET", "/api/users/{uuid}/passkeys/", "read", T, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/passkeys/register/begin/", "create", T, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("POST", "/api/users/{uuid}/passkeys/register/complete/", "create", T, {"credential": {}},
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row("PATCH", "/api/users/{uuid}/passkeys/{id}/", "update",
        {"uuid": "@me", "id": "passkey_of_T"}, {"name": "mine"},
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    row("DELETE", "/api/users/{uuid}/passkeys/{id}/", "delete",
        {"uuid": "@me", "id": "passkey_of_T"}, None,
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    row("DELETE", "/api/users/{uuid}/passkeys/{id}/", "delete",
        {"uuid": "T", "id": "passkey_of_T"}, None,
                401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # --- Password reset of another user (docs/api.md §2.16): only the emailed token opens it.
    row("GET", "/api/reset/{uuid}/", "read", T, None,
                400, 400, 400, 400, 400, 400, 400, 403, 403, 403, 403),
    row("POST", "/api/reset/{uuid}/", "update", T, {"token": "1-2", "password": NEW_PASSWORD},
                400, 400, 400, 400, 400, 400, 400, 403, 403, 403, 403),
    # --- Another user's API key (docs/api.md §2.15): session only, and only one's own.
    row("GET", KEY, "read", KEY_OF_T, None,
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    row("PATCH", KEY, "update", KEY_OF_T, {"label": "mine"},
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    row("POST", "/api/personal_api_keys/{id}/roll/", "update", KEY_OF_T, None,
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    row("DELETE", KEY, "revoke", KEY_OF_T, None,
                401, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403),
    # --- The Django admin: staff with model permissions only (the staff caller has none), and
    # never through a key. One row per kind of object page stands for every model's: the
    # permission check is the admin site's; rows name T's membership in O (it has no API).
    row("GET", ADMIN_OBJECT, "read", MEMBERSHIP_OF_T, None,
                302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    row("GET", ADMIN_OBJECT + "change/", "update", MEMBERSHIP_OF_T, None,
                302, 302, 302, 302, 302, 403, 200, 302, 302, 302, 302),
    row("GET", ADMIN_OBJECT + "delete/", "delete", MEMBERSHIP_OF_T, None,
                302, 302, 302, 302, 302, 403, 200, 302, 302, 302, 302),
    row("GET", ADMIN_OBJECT + "history/", "read", MEMBERSHIP_OF_T, None,
                302, 302, 302, 302, 302, 403, 200, 302, 302, 302, 302),
    row("GET", "/admin/accounts/user/{id}/password/", "update", {"id": "T_id"}, None,
                302, 302, 302, 302, 302, 403, 200, 302, 302, 302, 302),
    row("GET", "/admin/r/{content_type_id}/{object_id}/", "read",
        {"content_type_id": "membership_type", "object_id": "membership_of_T"}, None,
                302, 302, 302, 302, 302, 404, 404, 302, 302, 302, 302),
]
# fmt: on

# Routes without a path parameter whose body or query names an organization, team, dashboard or
# another user: they need rows too.
NAMING_WITHOUT_PATH_PARAMETER = {("GET", "/api/users/")}


def _uses_body_names(row_: Row) -> bool:
    return bool(row_.body) and any(v in ("O", "team", "dashboard") for v in row_.body.values())


# --- The world -----------------------------------------------------------------------------------


@pytest.fixture
def world(make_user, make_team, make_api_key) -> dict[str, Any]:
    owner = make_user(email="owner@example.com", with_team=True)
    organization = owner.current_organization
    team = owner.current_team
    w: dict[str, Any] = {"O": organization, "team": team, "owner": owner}
    w["dashboard"] = Dashboard.objects.create(team=team, name="Board")
    for name, level in (("admin", 8), ("member", 1), ("T", 1)):
        user = make_user(email=f"{name.lower()}@example.com")
        OrganizationMembership.objects.create(organization=organization, user=user, level=level)
        user.current_organization, user.current_team = organization, team
        user.save(update_fields=["current_organization", "current_team"])
        w[name] = user
    w["nonmember"] = make_user(email="nonmember@example.com", with_team=True)
    w["own_organization"] = w["nonmember"].current_organization
    w["staff"] = make_user(email="staff@example.com", is_staff=True)
    w["superuser"] = make_user(email="superuser@example.com", is_staff=True, is_superuser=True)
    w["S2"] = make_user(email="s2@example.com", is_staff=True)
    w["U2"] = make_user(email="u2@example.com", is_staff=True, is_superuser=True)
    for name in ("T", "U2"):
        secret = totp.new_secret()
        code = pyotp.TOTP(totp.to_base32(secret)).now()
        twofactor_setup.confirm_totp_setup(user=w[name], secret=secret, code=code)
    w["key_of_T"], _ = make_api_key("user:read", user=w["T"], label="T's key")
    w["T_id"] = str(w["T"].pk)
    w["passkey_of_T"] = Passkey.objects.create(
        user=w["T"], name="T's passkey", credential_id="dC1wYXNza2V5", public_key=b"\x00"
    )
    w["login_session_of_T"] = LoginSession.objects.create(
        user=w["T"], session_key="t" * 32, login_method="password"
    )
    w["membership_of_T"] = OrganizationMembership.objects.get(user=w["T"])
    w["membership_type"] = str(ContentType.objects.get_for_model(OrganizationMembership).pk)
    w["invite_to_T"] = _invite(organization, w["T"].email, created_by=owner)
    w["invite_by_member"] = _invite(organization, "x@example.com", created_by=w["member"])
    w["invite_by_admin"] = _invite(organization, "y@example.com", created_by=w["admin"])
    return w


def _invite(organization: Organization, email: str, *, created_by: User) -> OrganizationInvite:
    return OrganizationInvite.objects.create(
        organization=organization, target_email=email, level=1, created_by=created_by
    )


def _client(caller: str, world: dict[str, Any], session_client, make_api_key) -> APIClient:
    if caller == "anon":
        return APIClient()
    if caller in _KEYS:
        holder = world["superuser"] if caller.startswith("su-") else world["staff"]
        _, value = make_api_key(_KEYS[caller], user=holder, label=caller)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        return client
    return session_client(world[caller])


def _bind(name: str, caller: str, world: dict[str, Any]) -> str:
    if name == "@me":
        return "@me"
    if name == "invite_to_caller":
        email = world[caller].email if caller in world else f"{caller}@example.com"
        return str(_invite(world["O"], email, created_by=world["owner"]).pk)
    value = world.get(name, name)  # anything else is a literal, e.g. a scene name
    if isinstance(value, str):
        return value
    if isinstance(value, User):
        return str(value.uuid)
    return str(value.pk)


def _body(body: dict[str, Any] | None, world: dict[str, Any]) -> dict[str, Any] | None:
    if body is None:
        return None
    named = {"O": str(world["O"].pk), "team": world["team"].pk, "dashboard": world["dashboard"].pk}
    return {k: named.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("entry", TABLE, ids=lambda r: r.id)
def test_each_caller_gets_what_the_table_says(world, session_client, make_api_key, entry, caller):
    client = _client(caller, world, session_client, make_api_key)
    path = entry.path.format(**{p: _bind(n, caller, world) for p, n in entry.bind.items()})

    response = getattr(client, entry.method.lower())(path, _body(entry.body, world), format="json")

    outcome = entry.outcome(response, world) if entry.outcome else response.status_code
    assert outcome == entry.cells[caller], response.content


# --- Every route has a row -----------------------------------------------------------------------


def _template(pattern: str) -> str:
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
    return pattern.replace("^", "").replace("$", "").replace("{pk}", "{id}")


def _resolver_routes(patterns=None, prefix: str = "/") -> set[tuple[str, str]]:
    routes: set[tuple[str, str]] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + _template(str(entry.pattern))
        if isinstance(entry, URLResolver):
            routes |= _resolver_routes(entry.url_patterns, here)
            continue
        assert isinstance(entry, URLPattern)
        callback = entry.callback
        if here.startswith("/admin/"):
            methods = {"get"}  # the admin's POSTs pass the same permission checks as its pages
        elif hasattr(callback, "actions"):
            methods = set(callback.actions)
        elif hasattr(callback, "view_class"):
            view = callback.view_class
            methods = {m for m in view.http_method_names if hasattr(view, m)}
        else:
            continue
        routes |= {(m.upper(), here) for m in methods - {"options", "head"}}
    return routes


# The admin's pages of one model's object (``/admin/<app>/<model>/<id>/…``) stand for every
# model's: they share the admin site's permission checks.
_ADMIN_MODEL = re.compile(r"^/admin/(?!r/)\w+/\w+/\{object_id\}/")


def _in_scope(routes: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Routes that name an object: every API path parameter; the admin's object pages."""
    scoped = set()
    for method, path in routes:
        if path.startswith("/api/") and (
            "{" in path or (method, path) in NAMING_WITHOUT_PATH_PARAMETER
        ):
            scoped.add((method, path))
        elif path.startswith("/admin/") and re.search(r"\{(object_id|id)\}", path):
            scoped.add((method, _ADMIN_MODEL.sub(ADMIN_OBJECT, path)))
    return scoped


def test_every_route_that_names_someone_has_a_row():
    covered = {(r.method, r.path) for r in TABLE}
    missing = _in_scope(_resolver_routes()) - covered
    assert not missing, f"routes without a row in the authorization table: {sorted(missing)}"


def test_every_operation_of_the_schema_that_names_someone_has_a_row():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    missing = _in_scope(operations) - {(r.method, r.path) for r in TABLE}
    assert not missing, f"schema operations without a row in the authorization table: {missing}"


def test_rows_name_real_routes_and_every_kind_of_action():
    routes = _resolver_routes()
    assert {(r.method, r.path) for r in TABLE} <= routes | _in_scope(routes)
    assert {r.action for r in TABLE} >= {"read", "create", "accept", "revoke", "delete"}
    assert any(_uses_body_names(r) for r in TABLE)
