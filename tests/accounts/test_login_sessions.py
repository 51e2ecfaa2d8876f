"""Login sessions (docs/api.md §2.17): list, end one, end the others; kept in step with the
session.
"""

import time
from datetime import timedelta
from importlib import import_module
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import KnownDevice, LoginSession, SecurityEvent
from tests.conftest import PASSWORD
from twofactor import totp
from twofactor.services import setup as twofactor_setup

# Committed transactions: ending a session clears the store after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/users/@me/login_sessions/"


@pytest.fixture
def time_machine(time_machine: Any) -> Any:
    """The clock starts now and ticks; ``shift`` moves it."""
    time_machine.move_to(time.time(), tick=True)
    return time_machine


REVOKE_OTHERS = "/api/users/@me/login_sessions/revoke_others/"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def detail(row_id: str) -> str:
    return f"{LIST}{row_id}/"


def login(user: Any, user_agent: str = CHROME_MAC, ip: str = "203.0.113.7") -> APIClient:
    client = APIClient(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post("/api/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return client


def session_exists(client: APIClient) -> bool:
    key = client.cookies["sessionid"].value
    return bool(key) and import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def test_the_list_shows_the_current_session_with_its_device_and_method(make_user):
    user = make_user()
    client = login(user)

    response = client.get(LIST)

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert set(row) == {
        "id",
        "created_at",
        "last_activity",
        "ip",
        "device",
        "login_method",
        "is_current",
    }
    assert row["device"] == "Chrome on Mac OS X"
    assert row["ip"] == "203.0.113.7"
    assert row["login_method"] == "password"
    assert row["is_current"] is True
    session_key = client.cookies["sessionid"].value
    assert session_key not in response.content.decode()
    assert LoginSession.objects.get(pk=row["id"]).session_key == session_key


def test_the_current_session_comes_first_and_only_the_callers_are_listed(make_user, time_machine):
    user, stranger = make_user(), make_user()
    phone = login(user, SAFARI_IPHONE)
    time_machine.shift(120)
    laptop = login(user)
    login(stranger)
    time_machine.shift(120)
    phone.get("/api/users/@me/")  # the phone was active last

    rows = phone.get(LIST).json()["results"]
    assert [(row["device"], row["is_current"]) for row in rows] == [
        ("Mobile Safari on iOS", True),
        ("Chrome on Mac OS X", False),
    ]
    rows = laptop.get(LIST).json()["results"]
    assert [(row["device"], row["is_current"]) for row in rows] == [
        ("Chrome on Mac OS X", True),
        ("Mobile Safari on iOS", False),
    ]


def test_ending_a_session_signs_it_out_at_once_and_removes_it_everywhere(make_user):
    user = make_user()
    laptop, phone = login(user), login(user, SAFARI_IPHONE)
    other = next(row for row in phone.get(LIST).json()["results"] if not row["is_current"])
    laptop_key = laptop.cookies["sessionid"].value

    response = phone.delete(detail(other["id"]))

    assert response.status_code == 204
    assert laptop.get("/api/users/@me/").status_code == 401
    assert not LoginSession.objects.filter(pk=other["id"]).exists()
    assert not Session.objects.filter(session_key=laptop_key).exists()
    assert (
        caches[settings.SESSION_CACHE_ALIAS].get("django.contrib.sessions.cached_db" + laptop_key)
        is None
    )
    assert phone.get("/api/users/@me/").status_code == 200
    assert [row["is_current"] for row in phone.get(LIST).json()["results"]] == [True]
    event = SecurityEvent.objects.filter(type=SecurityEvent.Type.LOGIN_SESSION_ENDED).get()
    assert event.user == user


def test_ending_the_current_session_signs_this_client_out(make_user):
    client = login(make_user())
    (row,) = client.get(LIST).json()["results"]

    assert client.delete(detail(row["id"])).status_code == 204

    assert client.get("/api/users/@me/").status_code == 401
    assert not LoginSession.objects.exists()


def test_another_users_session_or_an_unknown_id_is_not_found(make_user):
    user, stranger = make_user(), make_user()
    client = login(user)
    victim = login(stranger)
    (theirs,) = victim.get(LIST).json()["results"]

    assert client.delete(detail(theirs["id"])).json()["code"] == "not_found"
    assert client.delete(detail("3f1c7a52-0000-4000-8000-000000000000")).status_code == 404
    assert client.delete(f"{LIST}not-a-uuid/").status_code == 404
    assert victim.get("/api/users/@me/").status_code == 200


def test_revoke_others_ends_every_other_session_and_keeps_this_one(make_user):
    user = make_user()
    others = [login(user, SAFARI_IPHONE), login(user, FIREFOX_LINUX)]
    pending = APIClient()  # a sign-in waiting for nothing: a plain login of another device
    client = login(user)

    response = client.post(REVOKE_OTHERS)

    assert response.status_code == 200
    assert response.json() == {"revoked_count": 2}
    assert [other.get("/api/users/@me/").status_code for other in others] == [401, 401]
    assert client.get("/api/users/@me/").status_code == 200
    rows = client.get(LIST).json()["results"]
    assert [(row["device"], row["is_current"]) for row in rows] == [("Chrome on Mac OS X", True)]
    assert LoginSession.objects.filter(user=user).count() == 1
    assert pending.get("/api/users/@me/").status_code == 401
    assert client.post(REVOKE_OTHERS).json() == {"revoked_count": 0}


def test_ending_sessions_needs_a_recent_password_proof(make_user, time_machine):
    user = make_user()
    other = login(user, SAFARI_IPHONE)
    client = login(user)
    (row,) = [row for row in client.get(LIST).json()["results"] if not row["is_current"]]
    time_machine.shift(settings.SENSITIVE_ACTION_MAX_AGE + timedelta(seconds=1))

    for response in (client.delete(detail(row["id"])), client.post(REVOKE_OTHERS)):
        assert response.status_code == 403
        assert response.json()["code"] == "sensitive_action_required_reauth"
    assert other.get("/api/users/@me/").status_code == 200
    assert LoginSession.objects.filter(user=user).count() == 2


def test_api_keys_anonymous_callers_and_other_uuids_are_refused(make_user, api_key_client):
    user = make_user()
    client = login(user)
    (row,) = client.get(LIST).json()["results"]
    key = api_key_client("*", user=user)

    assert key.get(LIST).status_code == 403
    assert key.delete(detail(row["id"])).status_code == 403
    assert key.post(REVOKE_OTHERS).status_code == 403
    assert APIClient().get(LIST).status_code == 401
    response = client.get(f"/api/users/{user.uuid}/login_sessions/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert LoginSession.objects.filter(user=user).count() == 1


def test_last_activity_is_written_at_most_once_a_minute(make_user, time_machine):
    client = login(make_user())
    (row,) = client.get(LIST).json()["results"]
    created = LoginSession.objects.get(pk=row["id"]).last_activity_at

    time_machine.shift(30)
    client.get("/api/users/@me/")
    assert LoginSession.objects.get(pk=row["id"]).last_activity_at == created

    time_machine.shift(31)
    client.get("/api/users/@me/")
    later = LoginSession.objects.get(pk=row["id"]).last_activity_at
    assert later > created
    assert client.get(LIST).json()["results"][0]["last_activity"] != row["last_activity"]


def test_a_request_within_the_minute_writes_nothing(make_user, django_assert_max_num_queries):
    client = login(make_user())
    client.get("/api/users/@me/")  # warm
    with django_assert_max_num_queries(50) as captured:
        client.get("/api/users/@me/")
    assert not [q for q in captured.captured_queries if "accounts_loginsession" in q["sql"]]
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]


def test_the_login_method_records_how_the_session_was_opened(make_user, time_machine):
    user = make_user()
    secret = totp.new_secret()
    authenticator = pyotp.TOTP(totp.to_base32(secret))
    twofactor_setup.confirm_totp_setup(user=user, secret=secret, code=authenticator.now())
    time_machine.shift(30)

    client = APIClient()
    assert (
        client.post("/api/login/", {"email": user.email, "password": PASSWORD}).status_code == 401
    )
    assert client.post("/api/login/token/", {"token": authenticator.now()}).status_code == 200
    assert client.get(LIST).json()["results"][0]["login_method"] == "password+totp"


def test_a_sign_in_from_a_new_device_sends_a_notice(make_user, queued_emails):
    user = make_user()
    login(user)
    assert queued_emails == []  # the account's first device: nothing to compare with

    login(user)
    assert queued_emails == []  # known device

    login(user, SAFARI_IPHONE, ip="198.51.100.4")
    (email,) = queued_emails
    assert email["template"] == "new_device_sign_in"
    assert email["to"] == user.email
    assert email["context"]["device"] == "Mobile Safari on iOS"
    assert email["context"]["ip"] == "198.51.100.4"
    assert SecurityEvent.objects.filter(type=SecurityEvent.Type.NEW_DEVICE_SIGN_IN).count() == 1
    assert set(KnownDevice.objects.filter(user=user).values_list("device", flat=True)) == {
        "Chrome on Mac OS X",
        "Mobile Safari on iOS",
    }


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one_listed(make_user):
    user = make_user()
    other = login(user, SAFARI_IPHONE)
    client = login(user)

    response = client.patch(
        "/api/users/@me/",
        {"password": "a brand new passphrase 99", "current_password": PASSWORD},
    )

    assert response.status_code == 200
    assert other.get("/api/users/@me/").status_code == 401
    rows = client.get(LIST).json()["results"]
    assert [(row["device"], row["is_current"]) for row in rows] == [("Chrome on Mac OS X", True)]


def test_expired_sessions_are_pruned_by_the_command(make_user, time_machine):
    user = make_user()
    login(user)
    time_machine.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
    fresh = login(user, SAFARI_IPHONE)

    call_command("prune_login_sessions")

    assert [row.device for row in LoginSession.objects.all()] == ["Mobile Safari on iOS"]
    assert Session.objects.count() == 1
    assert fresh.get(LIST).json()["count"] == 1


def test_the_prune_task_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["prune-expired-login-sessions"]
    assert entry["task"] == "accounts.tasks.prune_expired_login_sessions"


def test_staff_end_a_users_sessions_from_the_admin(make_user):
    user = make_user()
    victim = login(user)
    (row,) = victim.get(LIST).json()["results"]
    admin = Client()
    admin.force_login(make_user(is_staff=True, is_superuser=True))

    page = admin.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "Chrome on Mac OS X" in page.content.decode()
    response = admin.post(
        "/admin/accounts/loginsession/",
        {"action": "end_sessions", "index": 0, "_selected_action": [row["id"]]},
    )

    assert response.status_code == 302
    assert victim.get("/api/users/@me/").status_code == 401
    assert not LoginSession.objects.exists()
