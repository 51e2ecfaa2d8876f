"""The admin site: only sessions that passed the second factor, for staff who have one (issue 17).

Staff with a TOTP device must have passed it in this session (the admin login form below, or
``/api/login/token/``): ``request.user.is_verified()``. With ``ADMIN_REQUIRE_2FA`` (the default
outside development) staff without a device are refused too; they enable 2FA through the API
first.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp import user_has_device

from twofactor.admin_login import AdminLoginForm


class TwoFactorAdminSite(AdminSite):
    login_form = AdminLoginForm
    login_template = "admin/twofactor_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        if user.is_verified():
            return True
        return not settings.ADMIN_REQUIRE_2FA and not user_has_device(user, confirmed=True)
