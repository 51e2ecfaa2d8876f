"""The admin site, optionally restricted to staff whose session passed a second factor.

With ``ADMIN_REQUIRE_2FA`` on, this is django-otp's ``OTPAdminSite``: the admin login form asks
for a code from the user's TOTP device and only OTP-verified sessions (admin login, or API login
through ``/api/login/token/``) may use the admin. Staff must therefore enable 2FA through the API
first. With the setting off (the default) it is Django's plain admin site.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


def _required() -> bool:
    return bool(getattr(settings, "ADMIN_REQUIRE_2FA", False))


class TwoFactorAdminSite(OTPAdminSite):
    def __init__(self, name: str = "admin") -> None:
        AdminSite.__init__(self, name)

    @property
    def login_form(self) -> type | None:  # type: ignore[override]
        return OTPAdminAuthenticationForm if _required() else None

    @property
    def login_template(self) -> str | None:  # type: ignore[override]
        return OTPAdminSite.login_template if _required() else None

    def has_permission(self, request: HttpRequest) -> bool:
        if _required():
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
