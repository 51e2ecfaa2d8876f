"""Which backend reads a session's user: the API's sessions use the prepared lookup
(accounts/backends.py); sessions naming Django's ModelBackend keep working; the rules are the same.
"""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from rest_framework.test import APIClient

from accounts import login_flow
from accounts.models import User
from tests.conftest import PASSWORD

ME = "/api/users/@me/"


def _log_in(user: User) -> APIClient:
    client = APIClient()
    response = client.post("/api/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return client


def test_a_login_opens_a_session_read_by_the_prepared_backend(make_user: Any) -> None:
    user = make_user()
    client = _log_in(user)
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.SessionUserBackend"
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["uuid"] == str(user.uuid)


def test_a_deactivated_users_session_is_anonymous_at_the_next_request(make_user: Any) -> None:
    user = make_user()
    client = _log_in(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_deleted_users_session_is_anonymous(make_user: Any) -> None:
    user = make_user()
    client = _log_in(user)
    User.objects.filter(pk=user.pk).delete()
    assert client.get(ME).status_code == 401


def test_a_session_naming_django_model_backend_still_works(make_user: Any) -> None:
    user = make_user()
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[login_flow.SECOND_FACTOR_KEY] = True
    session.save()
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["uuid"] == str(user.uuid)


def test_the_prepared_backend_authenticates_nobody(make_user: Any) -> None:
    from accounts.backends import SessionUserBackend

    user = make_user()
    assert SessionUserBackend().authenticate(None, email=user.email, password=PASSWORD) is None
