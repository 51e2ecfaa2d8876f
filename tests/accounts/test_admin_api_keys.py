"""Staff see API keys in the admin (label, mask, scopes, last use) and revoke them."""

import pytest
from django.test import Client

from accounts.models import PersonalAPIKey, SecurityEvent
from tests.conftest import PASSWORD

CHANGELIST = "/admin/accounts/personalapikey/"


@pytest.fixture(autouse=True)
def _admin_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest storage needs collectstatic; the admin's pages only need URLs here.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff(make_user):
    make_user(email="admin@example.com", is_staff=True, is_superuser=True)
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "Admin@Example.com", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302, "staff log in to the admin with their password"
    return client


def test_a_wrong_password_does_not_open_the_admin(make_user, db):
    make_user(email="admin@example.com", is_staff=True, is_superuser=True)
    client = Client()

    response = client.post("/admin/login/", {"username": "admin@example.com", "password": "no"})

    assert response.status_code == 200  # the form again, with an error
    assert client.get(CHANGELIST).status_code == 302


def test_a_non_staff_user_cannot_enter(make_user, db):
    make_user(email="user@example.com")
    client = Client()
    client.post("/admin/login/", {"username": "user@example.com", "password": PASSWORD})

    assert client.get(CHANGELIST).status_code == 302


def test_keys_are_listed_by_label_mask_scopes_and_owner_without_the_digest(staff, make_api_key):
    key, value = make_api_key("user:write", label="deploy bot")

    listing = staff.get(CHANGELIST).content.decode()
    detail = staff.get(f"{CHANGELIST}{key.pk}/change/").content.decode()

    for page in (listing, detail):
        assert "deploy bot" in page
        assert key.mask_value in page
        assert key.user.email in page
        assert key.secure_value not in page
        assert value not in page
    assert "user:write" in listing


def test_staff_cannot_add_edit_or_delete_keys_directly(staff, make_api_key):
    key, _ = make_api_key("user:read")

    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.get(f"{CHANGELIST}{key.pk}/delete/").status_code == 403
    staff.post(f"{CHANGELIST}{key.pk}/change/", {"label": "changed"})
    key.refresh_from_db()
    assert key.label == "test key"


def test_the_revoke_action_goes_through_the_service(staff, make_api_key):
    key, value = make_api_key("*", label="leaked")
    other, _ = make_api_key("*", label="kept")

    response = staff.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [str(key.pk)]}, follow=True
    )

    assert response.status_code == 200
    assert not PersonalAPIKey.objects.filter(pk=key.pk).exists()
    assert PersonalAPIKey.objects.filter(pk=other.pk).exists()
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.API_KEY_REVOKED)
    assert event.user == key.user
    assert event.context["revoked_by"] == "admin@example.com"
    refused = Client().get("/api/personal_api_keys/@current/", HTTP_AUTHORIZATION=f"Bearer {value}")
    assert refused.status_code == 401
