"""Settings for the users service: every value comes from the environment (docs/api.md §5).

With no environment at all the service runs on embedded defaults (SQLite file, in-process cache,
console email, inline tasks). Outside development mode (``DEBUG=false``) the development secrets
are refused, so a forgotten variable cannot ship a guessable key.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value, or set DEBUG=true for "
            "development mode (which uses an insecure built-in key)."
        )
    SECRET_KEY = _DEV_SECRET_KEY


def _dev_fernet_key(secret: str) -> str:
    """Derive a Fernet key from the development secret (development mode only)."""
    return base64.urlsafe_b64encode(
        hashlib.sha256(b"field-encryption:" + secret.encode()).digest()
    ).decode()


FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Generate a key with `python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
        )
    FIELD_ENCRYPTION_KEYS = [_dev_fernet_key(SECRET_KEY)]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
# Browser apps on other origins (``https://app.example.com``): empty means no CORS at all. The
# same origins may send unsafe requests with the session unless CSRF_TRUSTED_ORIGINS says else.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True  # the session cookie; only ever for the listed origins
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID"]
CORS_PREFLIGHT_MAX_AGE = 600
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=CORS_ALLOWED_ORIGINS)
# ".example.com" lets the app on app.example.com read the csrftoken cookie the API sets.
CSRF_COOKIE_DOMAIN = env.str("CSRF_COOKIE_DOMAIN", default="") or None

INSTALLED_APPS = [
    "twofactor.apps.TwoFactorAdminConfig",  # django.contrib.admin; ADMIN_REQUIRE_2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "organizations",
    "accounts",
    "twofactor",
    "pushtokens",
    "outbox",
]

MIDDLEWARE = [
    # Outermost: request id, the probes (answered for any Host), access log and metrics.
    "users_api.observability.RequestObservabilityMiddleware",
    # First: preflights are answered before anything else (authentication included), and every
    # response, errors too, carries the CORS headers so the browser lets the app read it.
    "corsheaders.middleware.CorsMiddleware",
    "users_api.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginSessionMiddleware",
    "twofactor.middleware.LazyOTPMiddleware",
    "users_api.middleware.MessageMiddleware",  # skipped on /api/
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "users_api.urls"
WSGI_APPLICATION = "users_api.wsgi.application"
APPEND_SLASH = False  # docs/api.md §1.1: a path without its slash is 404, never a redirect.

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "users_api" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# The hot paths' queries are prepared on the server (users_api/prepared.py); off behind a
# transaction pooler that cannot keep prepared statements (PgBouncer < 1.21; docs/scaling.md).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Each web worker (each thread, with GUNICORN_THREADS) keeps its connection between requests
    # and replaces it after DATABASE_CONN_MAX_AGE seconds. No health check before each request:
    # it is a round trip per request, and with the checkout from psycopg's pool it cost 7-11% of
    # the hot paths' throughput (docs/performance.md). A connection the server dropped (restart,
    # failover) fails the one request that uses it next, with a 503 and Retry-After, and is
    # replaced for the following one (tests/test_database_connections.py).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    # Behind PgBouncer in transaction mode a server-side cursor (QuerySet.iterator()) cannot
    # outlive its transaction's server connection (docs/scaling.md).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # An unreachable database is a quick 503, not a hang.
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=2),
            # psycopg prepares a statement after this many runs on a connection; only the
            # server-binding cursors of users_api/prepared.py qualify (Django's bind client-side).
            "prepare_threshold": 2 if DATABASE_PREPARED_STATEMENTS else None,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# The API's sessions read their user through SessionUserBackend, which authenticates nobody;
# ModelBackend checks passwords (one hash per attempt, whatever the email; accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.SessionUserBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Cache and sessions ---------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's Redis cache behind a per-process circuit breaker (users_api/cache.py): after one
    # timeout or refused connection, cache calls fail at once for CACHE_BREAKER_SECONDS, so a
    # frozen Redis costs a request at most one socket timeout.
    CACHES["default"]["BACKEND"] = "users_api.cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 0.5)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 0.5)
CACHE_BREAKER_SECONDS = env.float("CACHE_BREAKER_SECONDS", default=5.0)

# Sessions live in the database (durable, revocable) with the cache in front; a cache outage
# only loses the cache (users_api/sessions.py).
SESSION_ENGINE = "users_api.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security (production) ------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^_health/$", r"^_ready/$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' HSTS preload list is a domain-wide, hard-to-undo decision the operator
# opts into with SECURE_HSTS_PRELOAD=true; until then Django's reminder (W021) is expected.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# An HTTPS setting the operator switched off on purpose (e.g. SECURE_SSL_REDIRECT=false when the
# proxy in front already redirects) is a decision, not an oversight: the image's start check
# (`check --deploy --fail-level WARNING`) must not refuse to start on a documented value.
_DELIBERATE_HTTPS_CHOICES = {
    "SECURE_SSL_REDIRECT": ("security.W008", not SECURE_SSL_REDIRECT),
    "SECURE_HSTS_SECONDS": ("security.W004", not SECURE_HSTS_SECONDS),
    "SESSION_COOKIE_SECURE": ("security.W012", not SESSION_COOKIE_SECURE),
    "CSRF_COOKIE_SECURE": ("security.W016", not CSRF_COOKIE_SECURE),
}
SILENCED_SYSTEM_CHECKS += [
    check
    for name, (check, switched_off) in _DELIBERATE_HTTPS_CHOICES.items()
    if switched_off and name in env.ENVIRON
]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Argon2id first (accounts/hashers.py). PBKDF2 stays so existing hashes still verify; Django
# rehashes each with Argon2id at its user's next successful login.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Last: the only one that asks the network (accounts/breached_passwords.py).
    {"NAME": "accounts.breached_passwords.PwnedPasswordValidator"},
]
# Pwned Passwords range API; empty turns the breached-password check off.
PWNED_PASSWORDS_URL = env.str(
    "PWNED_PASSWORDS_URL", default="https://api.pwnedpasswords.com/range/"
)

# Bodies over this are refused with a JSON 413 before anything reads them (docs/api.md §1.2).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Filled by `collectstatic` (the Dockerfile does it at build time) and served by WhiteNoise.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email and background tasks -------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Users API <no-reply@example.com>")
# Emails go through the outbox (outbox/models.py). A failed delivery is tried again after
# BASE * 2**n seconds (with jitter), at most MAX; an email whose code or link is still valid waits
# at most CODE_MAX, so it arrives soon after the mail server is back. The worker retries a
# message EMAIL_MAX_RETRIES times itself (kept below Redis' 1 h visibility timeout); after that,
# and without a broker, `manage.py send_pending_emails` (beat, cron) sends what is due.
EMAIL_MAX_RETRIES = env.int("EMAIL_MAX_RETRIES", default=10)
EMAIL_RETRY_BASE_DELAY = env.float("EMAIL_RETRY_BASE_DELAY", default=15.0)
EMAIL_RETRY_MAX_DELAY = env.float("EMAIL_RETRY_MAX_DELAY", default=1800.0)
EMAIL_CODE_RETRY_MAX_DELAY = env.float("EMAIL_CODE_RETRY_MAX_DELAY", default=20.0)
EMAIL_OUTBOX_SWEEP_SECONDS = env.float("EMAIL_OUTBOX_SWEEP_SECONDS", default=15.0)
EMAIL_OUTBOX_KEEP_DAYS = env.int("EMAIL_OUTBOX_KEEP_DAYS", default=30)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker, tasks run inline in the request's process (after commit).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    # Redis: without a socket timeout, publishing to a broker that accepts the connection but
    # never answers blocks the request forever. Above the worker's 1 s BRPOP wait.
    "socket_timeout": 3,
    "socket_connect_timeout": 2,
}
# Lets several deployments (or test runs) share one broker.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Publishing to an unreachable broker gives up after ~1 s (then the email is sent inline).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_max": 0.2}
CELERY_TASK_IGNORE_RESULT = True  # no result backend: tasks are fire-and-forget
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# For deployments that run `celery -A users_api beat` next to the worker.
CELERY_BEAT_SCHEDULE = {
    "send-pending-emails": {
        "task": "accounts.tasks.send_pending_emails",
        "schedule": timedelta(seconds=EMAIL_OUTBOX_SWEEP_SECONDS),
    },
    "prune-stale-push-tokens": {
        "task": "pushtokens.tasks.prune_stale_push_tokens",
        "schedule": timedelta(days=1),
    },
    "prune-expired-login-sessions": {
        "task": "accounts.tasks.prune_expired_login_sessions",
        "schedule": timedelta(hours=1),
    },
}

# --- Product settings -----------------------------------------------------------------------
SENSITIVE_ACTION_MAX_AGE = timedelta(seconds=env.int("SENSITIVE_ACTION_MAX_AGE", default=7200))
FRESH_REAUTH_MAX_AGE = timedelta(seconds=env.int("FRESH_REAUTH_MAX_AGE", default=600))
TOTP_ISSUER = env.str("TOTP_ISSUER", default="Users API")
# Staff with a second factor must pass it to use the admin; with this on (the default outside
# development) staff without one are refused too (twofactor/admin_site.py).
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=not DEBUG)
PUSH_TOKEN_STALE_DAYS = env.int("PUSH_TOKEN_STALE_DAYS", default=270)
# Passkeys (WebAuthn): the relying party is the site the web app runs on; origins are the exact
# https origins (scheme, host, port) its pages are served from.
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="") or ALLOWED_HOSTS[0].lstrip(".")
WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default=TOTP_ISSUER)
WEBAUTHN_ORIGINS = env.list("WEBAUTHN_ORIGINS", default=[f"https://{WEBAUTHN_RP_ID}"])
WEBAUTHN_CHALLENGE_TTL = timedelta(seconds=env.int("WEBAUTHN_CHALLENGE_TTL", default=300))
# The web app's page a reset email links to. ``{uuid}`` and ``{token}`` are filled in if
# present, else ``/<uuid>/<token>`` is appended (the reference shape).
PASSWORD_RESET_URL = env.str("PASSWORD_RESET_URL", default="http://localhost:8000/reset")
# Seconds a reset link stays valid (Django's token generator reads this name).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users_api.authentication.PersonalAPIKeyAuthentication",
        "users_api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "users_api.permissions.APIScopePermission",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "users_api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["users_api.renderers.ORJSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "users_api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "users_api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "users_api.schema.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login_email": env.str("THROTTLE_LOGIN_EMAIL", default="10/min"),
        "login_ip": env.str("THROTTLE_LOGIN_IP", default="30/min"),
        "two_factor_verify": env.str("THROTTLE_TWO_FACTOR_VERIFY", default="6/20min"),
        "onboarding_skip": env.str("THROTTLE_ONBOARDING_SKIP", default="30/hour"),
        "onboarding_delegate": env.str("THROTTLE_ONBOARDING_DELEGATE", default="10/hour"),
        "email_verification_request": env.str(
            "THROTTLE_EMAIL_VERIFICATION_REQUEST", default="6/day"
        ),
        "verify_email_user": env.str("THROTTLE_VERIFY_EMAIL_USER", default="6/20min"),
        "verify_email_ip": env.str("THROTTLE_VERIFY_EMAIL_IP", default="30/hour"),
        "password_change": env.str("THROTTLE_PASSWORD_CHANGE", default="5/min"),
        "push_tokens": env.str("THROTTLE_PUSH_TOKENS", default="60/min"),
        "signup": env.str("THROTTLE_SIGNUP", default="20/hour"),
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL", default="5/hour"),
        "password_reset_ip": env.str("THROTTLE_PASSWORD_RESET_IP", default="30/hour"),
        "password_reset_confirm_ip": env.str(
            "THROTTLE_PASSWORD_RESET_CONFIRM_IP", default="60/hour"
        ),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Reverse proxies in front that append to X-Forwarded-For. DRF's default (None) would take
    # the whole client-supplied header as the address, so a client could pick a fresh IP-keyed
    # throttle bucket per request; 0 uses the peer address.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Users API",
    "DESCRIPTION": (
        "Accounts, sign-in with a second factor, email verification and email change, onboarding "
        "state, push-notification tokens and scoped personal API keys.\n\n"
        "Every error is JSON: `{type, code, detail, attr}`. Authenticate with the session cookie "
        "(plus `X-CSRFToken` on unsafe methods) or `Authorization: Bearer phx_…`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Request bodies are documented as JSON, the API's format; form and multipart bodies are read
    # too where DRF reads them, but with DRF's form rules (an empty value for an optional field
    # counts as absent), which a JSON schema cannot state (docs/api.md §1).
    "PARSER_WHITELIST": ["users_api.parsers.JSONParser"],
    "ENUM_NAME_OVERRIDES": {
        "ErrorTypeEnum": "users_api.errors.ERROR_TYPES",
        "MembershipLevelEnum": "organizations.models.OrganizationMembership.Level",
    },
}

# --- Logs, metrics, error reporting ---------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line (level, logger, request_id, and for the access log
# method, path, status, duration_ms, user_id); anything else: plain text.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "users_api.request_id.RequestIDFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it does not exist.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# A Celery worker serves its task outcomes on this port (/metrics, same token); unset, it does
# not (users_api/celery.py reads it before Django starts, to set up multiprocess mode).
WORKER_METRICS_PORT = int(env.str("WORKER_METRICS_PORT", default="") or 0) or None
WORKER_METRICS_HOST = env.str("WORKER_METRICS_HOST", default="0.0.0.0")  # noqa: S104 - its pod's

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,  # no emails, cookies or addresses leave the service
    )
