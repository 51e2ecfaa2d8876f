"""The admin login form (issue 17 item 1), through the real form: GET, CSRF token, POST.

Email, password and code are asked in one step, so a wrong password and a right one read the
same until the code is checked; the form shares ``/api/login/``'s throttles, password check and
security events; only a session that passed the second factor opens the admin or the API.
"""

import re

import pytest
from django.test import Client

from accounts.models import SecurityEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _require_2fa(settings):
    settings.ADMIN_REQUIRE_2FA = True  # the production default


@pytest.fixture
def staff(make_user):
    return make_user(email="root@example.com", is_staff=True, is_superuser=True)


def _post_form(client: Client, **fields: str):
    form = client.get(LOGIN)
    assert form.status_code == 200
    assert b'name="otp_token"' in form.content  # the code field is always there
    token = _CSRF.search(form.content).group(1).decode()
    return client.post(LOGIN, {"csrfmiddlewaretoken": token, **fields})


def _login(client: Client, email: str, password: str, code: str = ""):
    return _post_form(client, username=email, password=password, otp_token=code)


def _page(response) -> bytes:
    """The answer without what differs per request anyway (the CSRF token)."""
    return _CSRF.sub(b"", response.content)


def test_a_password_alone_opens_neither_the_admin_nor_the_api(staff, enable_totp):
    enable_totp(staff)
    client = Client(enforce_csrf_checks=True)

    response = _login(client, staff.email, PASSWORD)

    assert response.status_code == 200
    assert b"correct email, password and code" in response.content
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/users/").status_code in (401, 403)


def test_a_wrong_and_a_right_password_read_the_same_before_the_code(staff, enable_totp):
    enable_totp(staff)

    wrong = _login(Client(enforce_csrf_checks=True), staff.email, "not the password 1")
    right = _login(Client(enforce_csrf_checks=True), staff.email, PASSWORD)
    right_bad_code = _login(Client(enforce_csrf_checks=True), staff.email, PASSWORD, "000000")
    wrong_bad_code = _login(
        Client(enforce_csrf_checks=True), staff.email, "not the password 1", "000000"
    )

    assert wrong.status_code == right.status_code == 200
    assert _page(wrong) == _page(right)
    assert _page(wrong_bad_code) == _page(right_bad_code)


def test_password_and_code_open_the_admin_and_the_api(staff, enable_totp):
    authenticator = enable_totp(staff)
    client = Client(enforce_csrf_checks=True)

    response = _login(client, staff.email, PASSWORD, authenticator.now())

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/users/").status_code == 200
    assert SecurityEvent.objects.filter(
        user=staff, type=SecurityEvent.Type.LOGIN_SUCCEEDED
    ).exists()


def test_staff_without_a_second_factor_are_refused_with_the_same_answer(make_user):
    staff = make_user(email="nofactor@example.com", is_staff=True)
    other = make_user(email="other@example.com", is_staff=True)

    refused = _login(Client(enforce_csrf_checks=True), staff.email, PASSWORD)
    wrong = _login(Client(enforce_csrf_checks=True), other.email, "not the password 1")

    assert refused.status_code == 200
    assert _page(refused).replace(b"nofactor", b"other") == _page(wrong)
    assert SecurityEvent.objects.filter(
        user=staff, type=SecurityEvent.Type.LOGIN_FAILED, context__reason="second_factor_required"
    ).exists()


def test_without_the_requirement_staff_without_a_device_log_in_with_the_password(
    make_user, settings
):
    settings.ADMIN_REQUIRE_2FA = False
    staff = make_user(email="plain-staff@example.com", is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)

    assert _login(client, staff.email, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_failures_are_security_events(staff, enable_totp):
    enable_totp(staff)

    _login(Client(enforce_csrf_checks=True), staff.email, "not the password 1")
    _login(Client(enforce_csrf_checks=True), staff.email, PASSWORD, "000000")

    types = set(SecurityEvent.objects.filter(user=staff).values_list("type", flat=True))
    assert SecurityEvent.Type.LOGIN_FAILED in types
    assert SecurityEvent.Type.SECOND_FACTOR_FAILED in types


def test_guesses_are_throttled_per_email_with_the_api_logins_budget(staff, enable_totp, settings):
    authenticator = enable_totp(staff)
    budget = 10  # THROTTLE_LOGIN_EMAIL's default, shared with /api/login/
    for _ in range(budget - 1):
        _login(Client(enforce_csrf_checks=True), staff.email, "not the password 1")
    assert (
        Client().post("/api/login/", {"email": staff.email, "password": "nope"}).status_code == 401
    )  # the API's attempt spends the same counter

    late = Client(enforce_csrf_checks=True)
    response = _login(late, staff.email, PASSWORD, authenticator.now())

    assert response.status_code == 200
    assert b"Too many attempts" in response.content
    assert late.get("/admin/").status_code == 302


def test_a_session_that_skipped_the_second_factor_is_refused_by_the_api(
    staff, enable_totp, settings
):
    settings.ADMIN_REQUIRE_2FA = False
    enable_totp(staff)
    client = Client()
    client.force_login(staff)  # a session made by a password alone

    response = client.get("/api/users/@me/")

    assert response.status_code == 401
    assert response.json()["code"] == "2fa_required"
    assert client.get("/admin/").status_code == 302
