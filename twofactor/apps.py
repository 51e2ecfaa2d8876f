from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TwofactorConfig(AppConfig):
    name = "twofactor"
    default = True
    default_auto_field = "django.db.models.BigAutoField"


class TwoFactorAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with a site that can require 2FA (``ADMIN_REQUIRE_2FA``)."""

    default = False
    default_site = "twofactor.admin_site.TwoFactorAdminSite"
