"""The ``two_factor_verify`` budget counts failed codes only; back-off a client can wait out.

6 failures per 20 minutes per user, shared by the login second step, setup validation and
re-authentication with a code. Correct codes and requests whose code was never checked give
their unit back. Staff can clear a lockout from the admin.
"""

import pyotp
import pytest
from django.test import Client

from accounts.models import SecurityEvent
from tests.conftest import PASSWORD
from twofactor.models import TOTPDevice

LOGIN_TOKEN = "/api/login/token/"
REAUTH = "/api/reauthenticate/"
START = "/api/users/@me/two_factor_start_setup/"
VALIDATE = "/api/users/@me/two_factor_validate/"
BACKUP_CODES = "/api/users/@me/two_factor_backup_codes/"
STEP = 30


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def fail_waiting_out_the_back_off(client, authenticator, clock, times, start=0):
    """``times`` wrong codes, each after the back-off of the previous failures has passed."""
    for n in range(start, start + times):
        response = client.post(LOGIN_TOKEN, {"token": wrong(authenticator.now())})
        assert response.status_code == 401, (n, response.json())
        clock.shift(2**n)


@pytest.mark.django_db
def test_correct_totp_codes_are_never_refused_for_earlier_correct_ones(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)

    for attempt in range(10):
        response = password_step_client(user).post(LOGIN_TOKEN, {"token": authenticator.now()})
        assert response.status_code == 200, (attempt, response.json())
        clock.shift(STEP)  # a code works once: the next login uses the next step


@pytest.mark.django_db
def test_backup_codes_in_a_row_are_never_refused(
    make_user, enable_totp, password_step_client, session_client, clock
):
    user = make_user()
    enable_totp(user)
    codes = session_client(user).post(BACKUP_CODES).json()["backup_codes"]

    for code in codes:
        response = password_step_client(user).post(LOGIN_TOKEN, {"token": code})
        assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_reauthenticating_with_a_code_again_and_again_is_never_refused(
    make_user, enable_totp, session_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    client = session_client(user)

    for _ in range(8):
        body = {"password": PASSWORD, "token": authenticator.now()}
        assert client.post(REAUTH, body).status_code == 200
        clock.shift(STEP)


@pytest.mark.django_db
def test_six_failures_lock_even_the_right_code_out(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    fail_waiting_out_the_back_off(client, authenticator, clock, 6)

    response = client.post(LOGIN_TOKEN, {"token": authenticator.now()})

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 20 * 60


@pytest.mark.django_db
def test_successes_between_failures_do_not_count(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    fail_waiting_out_the_back_off(client, authenticator, clock, 5)
    assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 200
    clock.shift(STEP)

    # The success reset django-otp's back-off but not the budget: one failure is left.
    client = password_step_client(user)
    assert client.post(LOGIN_TOKEN, {"token": wrong(authenticator.now())}).status_code == 401
    clock.shift(1)
    assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 429


@pytest.mark.django_db
def test_a_client_that_waits_retry_after_succeeds(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    fail_waiting_out_the_back_off(client, authenticator, clock, 1)
    assert client.post(LOGIN_TOKEN, {"token": wrong(authenticator.now())}).status_code == 401
    clock.shift(0.5)  # the second failure asks for 2 s: 1.5 s are left

    too_soon = client.post(LOGIN_TOKEN, {"token": authenticator.now()})
    assert too_soon.status_code == 429
    wait = int(too_soon["Retry-After"])
    assert wait == 2  # rounded up, never down
    clock.shift(wait)

    assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 200


@pytest.mark.django_db
def test_requests_refused_by_the_back_off_spend_no_budget(
    make_user, enable_totp, password_step_client, clock
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    assert client.post(LOGIN_TOKEN, {"token": wrong(authenticator.now())}).status_code == 401
    for _ in range(10):  # an impatient client hammering during the back-off
        assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 429
    clock.shift(1)

    # Five more failures are still possible (six in all), then the budget is spent.
    fail_waiting_out_the_back_off(client, authenticator, clock, 5, start=1)
    assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 429


@pytest.mark.django_db
def test_setup_validation_spends_the_budget_on_wrong_codes_only(session_client, clock):
    client = session_client()
    for _ in range(8):  # no setup started: no code is checked
        assert client.post(VALIDATE, {"token": "123456"}).json()["code"] == "setup_expired"
    secret = client.get(START).json()["secret"]
    authenticator = pyotp.TOTP(secret)
    for _ in range(5):
        assert client.post(VALIDATE, {"token": wrong(authenticator.now())}).status_code == 400

    assert client.post(VALIDATE, {"token": authenticator.now()}).status_code == 200


@pytest.fixture
def staff_client(make_user, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    staff = make_user(email="root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("admin_page", ["/admin/accounts/user/", "/admin/twofactor/totpdevice/"])
def test_staff_clear_a_lockout_from_the_admin(
    make_user, enable_totp, password_step_client, clock, staff_client, admin_page
):
    user = make_user()
    authenticator = enable_totp(user)
    client = password_step_client(user)
    fail_waiting_out_the_back_off(client, authenticator, clock, 6)
    assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 429
    selected = user.pk if "user" in admin_page else TOTPDevice.objects.get(user=user).pk

    response = staff_client.post(
        admin_page, {"action": "clear_two_factor_lockout_action", "_selected_action": [selected]}
    )

    assert response.status_code == 302
    event = SecurityEvent.objects.get(user=user, type=SecurityEvent.Type.TWO_FACTOR_LOCKOUT_CLEARED)
    assert event.context == {"by_user_id": staff_client.staff.pk}
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 0
    assert client.post(LOGIN_TOKEN, {"token": authenticator.now()}).status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_with_a_code_spends_no_second_factor_budget(
    make_user, enable_totp, session_client, password_step_client, clock, settings
):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "login_email": "100/min"},
    }
    user = make_user()
    authenticator = enable_totp(user)
    client = session_client(user)
    for _ in range(8):  # the password throttle counts these, the code budget does not
        body = {"password": "wrong", "token": authenticator.now()}
        assert client.post(REAUTH, body).json()["code"] == "incorrect_password"

    response = password_step_client(user).post(LOGIN_TOKEN, {"token": authenticator.now()})

    assert response.status_code == 200
