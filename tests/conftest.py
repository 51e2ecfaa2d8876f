"""Shared fixtures: factories for users, organizations and authenticated API clients."""

import copy
import itertools
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from rest_framework.test import APIClient

from accounts import freshness, key_crypto, login_flow
from accounts.models import PersonalAPIKey, User
from organizations.models import Organization, OrganizationMembership, Team

PASSWORD = "correct horse battery staple 42"
_seq = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Concurrency tests need real row locks: run them on PostgreSQL only."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _per_worker_cache() -> dict[str, Any]:
    """Under pytest-xdist (``pytest -n 2``) each worker gets a Redis database of its own.

    Every test empties the cache, and throttles count per IP (always 127.0.0.1 here), so two
    workers on one database would see each other's counters. Worker ``gwN`` uses the configured
    database number + N (modulo Redis's 16); servers a test starts inherit it via ``CACHE_URL``.
    Each worker also gets its own test database (pytest-django's ``_gwN`` suffix).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("CACHE_URL", "")
    match = re.fullmatch(r"(redis://[^/]+)/(\d+)", url)
    if not worker.startswith("gw") or match is None:
        return {}
    url = f"{match.group(1)}/{(int(match.group(2)) + int(worker[2:])) % 16}"
    os.environ["CACHE_URL"] = url
    caches_setting = copy.deepcopy(settings.CACHES)
    caches_setting["default"]["LOCATION"] = url
    return {"CACHES": caches_setting}


@pytest.fixture(autouse=True, scope="session")
def _test_settings() -> Iterator[None]:
    """Settings that only make tests faster or runnable without a build step.

    - A fast password hasher: the production one costs ~0.25 s per hash by design.
    - ``ADMIN_REQUIRE_2FA`` off (its production default is on); staff with a device still need it.
    - Static files straight from the apps' folders, as development mode serves them: tests run
      with DEBUG=false but never run ``collectstatic``; the collected, hashed files of production
      are covered by the gunicorn test in ``tests/test_serving.py``.
    """
    with override_settings(
        **_per_worker_cache(),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Most admin tests sign staff in with force_login; tests/test_admin_login.py turns it on.
        ADMIN_REQUIRE_2FA=False,
        WHITENOISE_AUTOREFRESH=True,
        WHITENOISE_USE_FINDERS=True,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Throttle counters and pending state live in the cache; start every test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_organization(db: None) -> Callable[..., Organization]:
    def make(name: str | None = None, **fields: Any) -> Organization:
        n = next(_seq)
        return Organization.objects.create(
            name=name or f"Org {n}", slug=fields.pop("slug", f"org-{n}"), **fields
        )

    return make


@pytest.fixture
def make_team(make_organization: Callable[..., Organization]) -> Callable[..., Team]:
    def make(organization: Organization | None = None, name: str = "Default project") -> Team:
        return Team.objects.create(organization=organization or make_organization(), name=name)

    return make


@pytest.fixture
def make_user(db: None, make_team: Callable[..., Team]) -> Callable[..., User]:
    """``make_user(**fields)``; ``with_team=True`` adds an organization, team and membership."""

    def make(
        email: str | None = None,
        password: str | None = PASSWORD,
        with_team: bool = False,
        level: int = OrganizationMembership.Level.OWNER,
        **fields: Any,
    ) -> User:
        fields.setdefault("first_name", "Test")
        fields.setdefault("is_email_verified", True)
        user = User.objects.create_user(
            email or f"user{next(_seq)}@example.com", password, **fields
        )
        if with_team:
            team = make_team()
            OrganizationMembership.objects.create(
                organization=team.organization, user=user, level=level
            )
            user.current_organization = team.organization
            user.current_team = team
            user.save(update_fields=["current_organization", "current_team"])
        return user

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def session_client(make_user: Callable[..., User]) -> Callable[..., APIClient]:
    """A client logged in through Django's session, password proved just now."""

    def make(user: User | None = None, fresh: bool = True) -> APIClient:
        user = user or make_user()
        client = APIClient()
        client.force_login(user)
        session = client.session
        if fresh:
            freshness.stamp(session)
        # As login_flow.start_session leaves it, and for a user with 2FA as the second step
        # leaves it (django-otp's device id); a bare force_login is refused by the API then.
        session[login_flow.SECOND_FACTOR_KEY] = True
        device = next(devices_for_user(user, confirmed=True), None)
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return make


@pytest.fixture
def make_api_key(make_user: Callable[..., User]) -> Callable[..., tuple[PersonalAPIKey, str]]:
    def make(*scopes: str, user: User | None = None, **fields: Any) -> tuple[PersonalAPIKey, str]:
        value = key_crypto.generate()
        key = PersonalAPIKey.objects.create(
            user=user or make_user(),
            label=fields.pop("label", "test key"),
            secure_value=key_crypto.digest(value),
            mask_value=key_crypto.mask(value),
            scopes=list(scopes),
            **fields,
        )
        return key, value

    return make


@pytest.fixture
def api_key_client(
    make_api_key: Callable[..., tuple[PersonalAPIKey, str]],
) -> Callable[..., APIClient]:
    """``api_key_client("user:read", user=...)``: a client sending ``Authorization: Bearer``."""

    def make(*scopes: str, user: User | None = None) -> APIClient:
        _, value = make_api_key(*scopes, user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        return client

    return make


@pytest.fixture
def queued_emails(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Emails handed to the task queue after commit: ``{template, to, context, message_id}``.

    Read back from the outbox row the task is given.

    Delivery itself is covered by the email tests (real SMTP, real worker); here we only see
    what would cross the broker, unsealed.
    """
    from outbox import tasks
    from outbox.models import OutboxEmail
    from users_api import encryption

    sent: list[dict[str, Any]] = []

    def record(*, kwargs: dict[str, Any], **_: Any) -> None:
        row = OutboxEmail.objects.get(pk=kwargs["message_id"])
        sent.append(
            {
                "template": row.template,
                "to": row.to,
                "context": encryption.unseal(row.sealed_context),
                "message_id": kwargs["message_id"],
            }
        )

    monkeypatch.setattr(tasks.send_templated_email, "apply_async", record)
    return sent
