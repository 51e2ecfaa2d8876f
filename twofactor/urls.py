"""Two-factor routes under ``/api/users/{uuid}/…`` and the login second step (docs/api.md
§2.5-§2.9).
"""

from django.urls import path

from twofactor.views import login, setup

urlpatterns = [
    path(
        "users/<str:uuid>/two_factor_start_setup/",
        setup.TwoFactorStartSetupView.as_view(),
        name="two-factor-start-setup",
    ),
    path(
        "users/<str:uuid>/start_2fa_setup/",
        setup.TwoFactorStartSetupAliasView.as_view(),
        name="two-factor-start-setup-alias",
    ),
    path(
        "users/<str:uuid>/two_factor_validate/",
        setup.TwoFactorValidateView.as_view(),
        name="two-factor-validate",
    ),
    path(
        "users/<str:uuid>/validate_2fa/",
        setup.TwoFactorValidateAliasView.as_view(),
        name="two-factor-validate-alias",
    ),
    path(
        "users/<str:uuid>/two_factor_status/",
        setup.TwoFactorStatusView.as_view(),
        name="two-factor-status",
    ),
    path(
        "users/<str:uuid>/two_factor_backup_codes/",
        setup.TwoFactorBackupCodesView.as_view(),
        name="two-factor-backup-codes",
    ),
    path(
        "users/<str:uuid>/two_factor_disable/",
        setup.TwoFactorDisableView.as_view(),
        name="two-factor-disable",
    ),
    path("login/token/", login.LoginTokenView.as_view(), name="login-token"),
    path("reauthenticate/", login.ReauthenticateView.as_view(), name="reauthenticate"),
]
