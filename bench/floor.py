"""The benchmark's floor: a bare WSGI app doing the hot paths' SQL with psycopg, nothing else.

Served by the same gunicorn settings as the service (``gunicorn -c gunicorn.conf.py
bench.floor:app``), it answers the benchmark's requests with the work they cannot avoid:
the key or session lookup, the rows the response needs, the writes. What the service spends
above this is the framework's per-request work. Each response says how many SQL statements it
ran (``X-Statements``). Not an API: no validation beyond what the benchmark sends.
"""

import base64
import hashlib
import json
import os
import pickle
import secrets
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import argon2
import psycopg
import redis

_DATABASE = os.environ["DATABASE_URL"]
_CACHE = os.environ["CACHE_URL"]
_SESSION_KEY_PREFIX = ":1:django.contrib.sessions.cached_db"  # Django's cache key, version 1
_MAX_TOKENS = 10

_KEY_USER = """
    SELECT u.id, u.uuid, u.distinct_id, u.email, u.first_name, u.last_name, u.date_joined,
           u.is_staff, u.notification_settings, u.current_organization_id,
           o.id, o.name, o.slug, o.created_at, t.id, t.uuid, t.organization_id, t.name,
           EXISTS (SELECT 1 FROM twofactor_totpdevice d WHERE d.user_id = u.id AND d.confirmed),
           (SELECT m.user_id FROM organizations_organizationmembership m
             WHERE m.organization_id = u.current_organization_id
             ORDER BY m.joined_at, m.id LIMIT 1),
           (SELECT jsonb_agg(jsonb_build_object('scene', p.scene, 'dashboard', p.dashboard_id)
                             ORDER BY p.id)
              FROM accounts_userscenepersonalisation p WHERE p.user_id = u.id)
      FROM accounts_personalapikey k
      JOIN accounts_user u ON u.id = k.user_id
      LEFT JOIN organizations_organization o ON o.id = u.current_organization_id
      LEFT JOIN organizations_team t ON t.id = u.current_team_id
     WHERE k.secure_value = %s AND (k.expires_at IS NULL OR k.expires_at > now())
       AND u.is_active
"""
_MEMBERSHIPS = """
    SELECT o.id, o.name, o.slug, m.level FROM organizations_organizationmembership m
      JOIN organizations_organization o ON o.id = m.organization_id
     WHERE m.user_id = %s ORDER BY m.joined_at, m.id
"""
_KEY_USER_ID = """
    SELECT k.user_id FROM accounts_personalapikey k JOIN accounts_user u ON u.id = k.user_id
     WHERE k.secure_value = %s AND (k.expires_at IS NULL OR k.expires_at > now())
       AND u.is_active
"""
_UPSERT = """
    INSERT INTO pushtokens_pushtoken (id, user_id, token, platform, created_at, last_seen_at)
    VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id,
        platform = EXCLUDED.platform, last_seen_at = EXCLUDED.last_seen_at
    RETURNING id, created_at, last_seen_at
"""
_CAP = """
    DELETE FROM pushtokens_pushtoken WHERE user_id = %s AND id <> %s AND id NOT IN (
        SELECT id FROM pushtokens_pushtoken WHERE user_id = %s AND id <> %s
         ORDER BY last_seen_at DESC, created_at DESC LIMIT %s)
"""
_SESSION_USER = "SELECT id, passkeys_enabled_for_2fa FROM accounts_user WHERE id = %s AND is_active"
_STATUS = """
    SELECT (SELECT count(*) FROM twofactor_backupcode c
              JOIN twofactor_backupcodeset s ON s.id = c.code_set_id
             WHERE s.user_id = d.user_id AND c.used_at IS NULL)
      FROM twofactor_totpdevice d WHERE d.user_id = %s AND d.confirmed
"""
_LOCK = """
    SELECT EXISTS (SELECT 1 FROM twofactor_totpdevice d WHERE d.user_id = u.id AND d.confirmed)
      FROM accounts_user u WHERE u.id = %s FOR UPDATE
"""
_DELETE_CODES = """
    DELETE FROM twofactor_backupcode WHERE code_set_id IN (
        SELECT id FROM twofactor_backupcodeset WHERE user_id = %s)
"""
_UPSERT_SET = """
    INSERT INTO twofactor_backupcodeset (user_id, salt, log2_n, created_at) VALUES (%s, %s, 14, %s)
    ON CONFLICT (user_id) DO UPDATE SET salt = EXCLUDED.salt, log2_n = EXCLUDED.log2_n,
        created_at = EXCLUDED.created_at
    RETURNING id
"""
_INSERT_CODES = (
    "INSERT INTO twofactor_backupcode (code_set_id, digest) SELECT %s, unnest(%s::text[])"
)
_EVENT = """
    INSERT INTO accounts_securityevent (user_id, type, created_at, ip, user_agent, context)
    VALUES (%s, 'backup_codes_regenerated', %s, %s, %s, '{}')
"""

_connection: psycopg.Connection | None = None
_redis = redis.Redis.from_url(_CACHE)


def _db() -> psycopg.Connection:
    """One connection per worker, opened on first use (after gunicorn's fork)."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(_DATABASE, autocommit=True)
    return _connection


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _respond(start_response: Any, status: str, body: Any, statements: int) -> list[bytes]:
    payload = json.dumps(body, separators=(",", ":"), default=str).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("X-Statements", str(statements)),
        ],
    )
    return [payload]


def _bearer(environ: dict) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    return hashlib.sha256(value.strip().encode()).hexdigest() if scheme == "Bearer" else None


def _session_user_id(environ: dict) -> int | None:
    cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    if "sessionid" not in cookie:
        return None
    raw = _redis.get(_SESSION_KEY_PREFIX + cookie["sessionid"].value)
    if raw is None:
        return None
    session = pickle.loads(raw)  # noqa: S301 - Django's own cache entry, written by the service
    return int(session["_auth_user_id"]) if "_auth_user_id" in session else None


def me(environ: dict, start_response: Any) -> list[bytes]:
    cursor = _db().cursor()
    row = cursor.execute(_KEY_USER, [_bearer(environ)]).fetchone()
    if row is None:
        return _respond(start_response, "401 Unauthorized", {"code": "authentication_failed"}, 1)
    memberships = cursor.execute(_MEMBERSHIPS, [row[0]]).fetchall()
    levels = {m[0]: m[3] for m in memberships}
    body = {
        "id": row[0],
        "uuid": str(row[1]),
        "distinct_id": row[2],
        "email": row[3],
        "first_name": row[4],
        "last_name": row[5],
        "date_joined": _iso(row[6]),
        "is_staff": row[7],
        "notification_settings": row[8],
        "organization": None
        if row[10] is None
        else {
            "id": str(row[10]),
            "name": row[11],
            "slug": row[12],
            "membership_level": levels.get(row[10]),
            "created_at": _iso(row[13]),
        },
        "team": None
        if row[14] is None
        else {"id": row[14], "uuid": str(row[15]), "organization": str(row[16]), "name": row[17]},
        "organizations": [
            {"id": str(m[0]), "name": m[1], "slug": m[2], "membership_level": m[3]}
            for m in memberships
        ],
        "is_2fa_enabled": row[18],
        "is_organization_first_user": row[9] is not None and row[19] == row[0],
        "scene_personalisation": row[20] or [],
    }
    return _respond(start_response, "200 OK", body, 2)


def push_token(environ: dict, start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    data = json.loads(environ["wsgi.input"].read(length))
    cursor = _db().cursor()
    row = cursor.execute(_KEY_USER_ID, [_bearer(environ)]).fetchone()
    if row is None:
        return _respond(start_response, "401 Unauthorized", {"code": "authentication_failed"}, 1)
    user_id, now = row[0], datetime.now(UTC)
    token_id, created_at, last_seen_at = cursor.execute(
        _UPSERT, [uuid.uuid4(), user_id, data["token"], data["platform"], now, now]
    ).fetchone()
    cursor.execute(_CAP, [user_id, token_id, user_id, token_id, _MAX_TOKENS - 1])
    body = {
        "id": str(token_id),
        "token": data["token"],
        "platform": data["platform"],
        "created_at": _iso(created_at),
        "last_seen_at": _iso(last_seen_at),
    }
    return _respond(start_response, "200 OK", body, 3)


def two_factor_status(environ: dict, start_response: Any) -> list[bytes]:
    cursor = _db().cursor()
    user = cursor.execute(_SESSION_USER, [_session_user_id(environ)]).fetchone()
    if user is None:
        return _respond(start_response, "401 Unauthorized", {"code": "not_authenticated"}, 1)
    row = cursor.execute(_STATUS, [user[0]]).fetchone()
    body = {
        "is_enabled": row is not None,
        "method": "TOTP" if row is not None else None,
        "has_totp": row is not None,
        "has_passkeys": False,
        "passkeys_enabled_for_2fa": user[1],
        "backup_codes_remaining": row[0] if row is not None else 0,
    }
    return _respond(start_response, "200 OK", body, 2)


def backup_codes(environ: dict, start_response: Any) -> list[bytes]:
    connection = _db()
    cursor = connection.cursor()
    user = cursor.execute(_SESSION_USER, [_session_user_id(environ)]).fetchone()
    if user is None:
        return _respond(start_response, "401 Unauthorized", {"code": "not_authenticated"}, 1)
    user_id = user[0]
    (enabled,) = cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM twofactor_totpdevice WHERE user_id = %s AND confirmed)",
        [user_id],
    ).fetchone()
    if not enabled:
        return _respond(start_response, "400 Bad Request", {"code": "2fa_not_enabled"}, 2)
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = ["".join(secrets.choice(alphabet) for _ in range(8)) for _ in range(10)]
    salt = secrets.token_hex(16)
    n = 1 << 14
    digests = [
        hashlib.scrypt(
            code.encode(), salt=bytes.fromhex(salt), n=n, r=8, p=1, maxmem=256 * n * 8, dklen=32
        ).hex()
        for code in codes
    ]
    now = datetime.now(UTC)
    with connection.transaction():
        cursor.execute(_LOCK, [user_id])
        cursor.execute(_DELETE_CODES, [user_id])
        (set_id,) = cursor.execute(_UPSERT_SET, [user_id, salt, now]).fetchone()
        cursor.execute(_INSERT_CODES, [set_id, digests])
        cursor.execute(_EVENT, [user_id, now, environ.get("REMOTE_ADDR"), ""])
    return _respond(start_response, "200 OK", {"backup_codes": codes}, 7)


_LOGIN_USER = "SELECT id, password FROM accounts_user WHERE email = %s AND is_active"
_argon2 = argon2.PasswordHasher()


def _password_matches(password: str, encoded: str) -> bool:
    """Django's Argon2id or PBKDF2 encoding, verified with the same libraries' primitives."""
    algorithm, _, rest = encoded.partition("$")
    if algorithm == "argon2":
        try:
            return _argon2.verify("$" + rest, password)
        except argon2.exceptions.VerificationError:
            return False
    iterations, salt, expected = rest.split("$")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return secrets.compare_digest(base64.b64encode(digest).decode(), expected)


def login(environ: dict, start_response: Any) -> list[bytes]:
    """The user by email, the password check (one hash), a new session in Redis."""
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    row = _db().cursor().execute(_LOGIN_USER, [body["email"].lower()]).fetchone()
    if row is None or not _password_matches(body["password"], row[1]):
        return _respond(start_response, "400 Bad Request", {"code": "invalid_credentials"}, 1)
    session = pickle.dumps({"_auth_user_id": str(row[0])})
    _redis.set(_SESSION_KEY_PREFIX + secrets.token_urlsafe(24), session, ex=14 * 24 * 3600)
    return _respond(start_response, "200 OK", {"id": row[0]}, 1)


_ROUTES = {
    ("POST", "/api/login/"): login,
    ("GET", "/api/users/@me/"): me,
    ("POST", "/api/users/@me/push_tokens/"): push_token,
    ("GET", "/api/users/@me/two_factor_status/"): two_factor_status,
    ("POST", "/api/users/@me/two_factor_backup_codes/"): backup_codes,
}


def app(environ: dict, start_response: Any) -> list[bytes]:
    path = urlsplit(environ.get("PATH_INFO", "")).path
    if path == "/_health/":
        return _respond(start_response, "200 OK", {"status": "ok"}, 0)
    handler = _ROUTES.get((environ["REQUEST_METHOD"], path))
    if handler is None:
        return _respond(start_response, "404 Not Found", {"code": "not_found"}, 0)
    return handler(environ, start_response)
