"""Argon2id first, PBKDF2 upgraded at the next login (issue 16)."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import PASSWORD
from users_api import settings as production_settings

LOGIN = "/api/login/"
# OWASP's minimum Argon2id configuration: 19 MiB, 2 passes, 1 lane.
ARGON2ID_PREFIX = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(autouse=True)
def production_hashers(settings):
    """The settings module's own list: the suite-wide fixture swaps in MD5 for speed."""
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS


@pytest.fixture
def legacy_user(make_user):
    """A user whose password was hashed before Argon2id: PBKDF2 at Django's iterations."""
    user = make_user(email="legacy@example.com")
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk=user.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
    return user


def test_production_hashes_new_passwords_with_argon2id_at_the_owasp_minimum(db):
    assert production_settings.PASSWORD_HASHERS[0] == "accounts.hashers.Argon2idPasswordHasher"
    response = APIClient().post(
        "/api/signup/",
        {"email": "new@example.com", "password": PASSWORD, "first_name": "New"},
        format="json",
    )
    assert response.status_code == 201
    assert User.objects.get(email="new@example.com").password.startswith(ARGON2ID_PREFIX)


def test_a_pbkdf2_hash_still_logs_in_and_is_upgraded_to_argon2id(legacy_user):
    response = APIClient().post(LOGIN, {"email": legacy_user.email, "password": PASSWORD})

    assert response.status_code == 200
    legacy_user.refresh_from_db()
    assert legacy_user.password.startswith(ARGON2ID_PREFIX)
    again = APIClient().post(LOGIN, {"email": legacy_user.email, "password": PASSWORD})
    assert again.status_code == 200


def test_a_wrong_password_leaves_the_pbkdf2_hash_alone(legacy_user):
    response = APIClient().post(LOGIN, {"email": legacy_user.email, "password": "wrong one"})

    assert response.status_code == 401
    legacy_user.refresh_from_db()
    assert legacy_user.password.startswith("pbkdf2_sha256$")


def test_the_upgraded_session_stays_valid(legacy_user):
    client = APIClient()
    assert client.post(LOGIN, {"email": legacy_user.email, "password": PASSWORD}).status_code == 200
    assert client.get("/api/users/@me/").status_code == 200
