"""Staff views of second factors and the optional 2FA requirement for the admin."""

import pytest
from django.test import Client

from accounts.models import SecurityEvent
from tests.conftest import PASSWORD
from twofactor.models import BackupCodeSet, TOTPDevice

DEVICES = "/admin/twofactor/totpdevice/"
CODE_SETS = "/admin/twofactor/backupcodeset/"


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """The manifest storage needs collectstatic; the admin pages only need URLs here."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def superuser(make_user):
    return make_user(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_devices_are_listed_without_their_seed(staff_client, make_user, enable_totp):
    user = make_user(email="owner@example.com")
    enable_totp(user)
    device = TOTPDevice.objects.get(user=user)

    listing = staff_client.get(DEVICES)
    detail = staff_client.get(f"{DEVICES}{device.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert "owner@example.com" in listing.content.decode()
    for page in (listing, detail):
        assert device.key not in page.content.decode()
    assert staff_client.get(f"{DEVICES}add/").status_code == 403


@pytest.mark.django_db
def test_code_sets_show_counts_only(staff_client, make_user, enable_totp, session_client):
    user = make_user()
    enable_totp(user)
    codes = session_client(user).post("/api/users/@me/two_factor_backup_codes/").json()

    page = staff_client.get(CODE_SETS).content.decode()

    assert ">10<" in page
    for code in codes["backup_codes"]:
        assert code not in page


@pytest.mark.django_db
def test_staff_disable_two_factor_with_an_admin_action(
    staff_client, superuser, make_user, enable_totp
):
    user = make_user()
    enable_totp(user)
    device = TOTPDevice.objects.get(user=user)

    response = staff_client.post(
        DEVICES, {"action": "disable_two_factor_action", "_selected_action": [device.pk]}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not BackupCodeSet.objects.filter(user=user).exists()
    event = SecurityEvent.objects.get(user=user, type=SecurityEvent.Type.TWO_FACTOR_DISABLED)
    assert event.context == {"by_user_id": superuser.pk}


@pytest.mark.django_db
def test_by_default_the_admin_does_not_require_2fa(staff_client):
    assert staff_client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_with_admin_require_2fa_an_unverified_session_is_sent_to_log_in(staff_client, settings):
    settings.ADMIN_REQUIRE_2FA = True
    response = staff_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_with_admin_require_2fa_the_admin_login_asks_for_a_code(
    superuser, enable_totp, settings, clock
):
    settings.ADMIN_REQUIRE_2FA = True
    authenticator = enable_totp(superuser)
    device = TOTPDevice.objects.get(user=superuser)
    client = Client()

    without_code = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD}
    )
    assert without_code.status_code == 200  # the form again, now asking for the code
    assert client.get("/admin/").status_code == 302

    with_code = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": superuser.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": authenticator.now(),
        },
    )
    assert with_code.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_with_admin_require_2fa_an_api_login_with_a_code_opens_the_admin(
    superuser, enable_totp, settings, password_step_client
):
    settings.ADMIN_REQUIRE_2FA = True
    authenticator = enable_totp(superuser)
    client = password_step_client(superuser)
    assert client.post("/api/login/token/", {"token": authenticator.now()}).status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_user_admin_shows_2fa_and_disables_it(staff_client, superuser, make_user, enable_totp):
    user = make_user(email="has2fa@example.com")
    enable_totp(user)

    page = staff_client.get("/admin/accounts/user/", {"q": "has2fa"}).content.decode()
    assert "2FA" in page
    assert 'alt="True"' in page

    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": "disable_two_factor_action", "_selected_action": [user.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(
        user=user, type=SecurityEvent.Type.TWO_FACTOR_DISABLED
    ).exists()
