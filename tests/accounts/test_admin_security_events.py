"""Staff browse security events in the admin, read-only (docs/api.md §3)."""

import pytest
from django.test import Client

from accounts.models import SecurityEvent
from accounts.services import security_events
from accounts.services.security_events import RequestMeta
from tests.conftest import PASSWORD

CHANGELIST = "/admin/accounts/securityevent/"


@pytest.fixture(autouse=True)
def _admin_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff(make_user):
    user = make_user(email="admin@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def event(make_user):
    return security_events.record(
        type=SecurityEvent.Type.LOGIN_FAILED,
        user=make_user(email="victim@example.com"),
        meta=RequestMeta(ip="203.0.113.7", user_agent="curl/8"),
        context={"reason": "invalid_credentials"},
    )


def test_events_are_listed_and_filterable(staff, event):
    listing = staff.get(CHANGELIST)
    filtered = staff.get(CHANGELIST, {"type__exact": "login_succeeded"})
    searched = staff.get(CHANGELIST, {"q": "victim@"})

    assert listing.status_code == 200
    assert "victim@example.com" in listing.content.decode()
    assert "203.0.113.7" in listing.content.decode()
    assert "victim@example.com" not in filtered.content.decode()
    assert "victim@example.com" in searched.content.decode()


def test_an_event_can_be_viewed_but_not_changed(staff, event):
    detail = staff.get(f"{CHANGELIST}{event.pk}/change/")
    staff.post(f"{CHANGELIST}{event.pk}/change/", {"type": "login_succeeded", "ip": "1.1.1.1"})

    assert detail.status_code == 200
    assert "invalid_credentials" in detail.content.decode()
    event.refresh_from_db()
    assert (event.type, event.ip) == ("login_failed", "203.0.113.7")


def test_events_cannot_be_added_or_deleted(staff, event):
    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.get(f"{CHANGELIST}{event.pk}/delete/").status_code == 403
    staff.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk]})
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_login_through_the_api_is_audited(api_client, make_user):
    user = make_user(email="ada@example.com")
    api_client.post("/api/login/", {"email": "ada@example.com", "password": "wrong"})
    api_client.post(
        "/api/login/",
        {"email": "ada@example.com", "password": PASSWORD},
        HTTP_USER_AGENT="TestAgent/1.0",
    )

    types = list(
        SecurityEvent.objects.filter(user=user).order_by("id").values_list("type", "user_agent")
    )
    assert types == [("login_failed", ""), ("login_succeeded", "TestAgent/1.0")]
