"""Two-factor routes under ``/api/users/{uuid}/…`` and the login second step (SPEC §2.5-§2.9)."""

from django.urls import path

from twofactor import views

urlpatterns = [
    path(
        "users/<str:uuid>/two_factor_start_setup/",
        views.TwoFactorStartSetupView.as_view(),
        name="two-factor-start-setup",
    ),
    path(
        "users/<str:uuid>/start_2fa_setup/",
        views.TwoFactorStartSetupView.as_view(),
        name="two-factor-start-setup-alias",
    ),
    path(
        "users/<str:uuid>/two_factor_validate/",
        views.TwoFactorValidateView.as_view(),
        name="two-factor-validate",
    ),
    path(
        "users/<str:uuid>/validate_2fa/",
        views.TwoFactorValidateView.as_view(),
        name="two-factor-validate-alias",
    ),
    path(
        "users/<str:uuid>/two_factor_status/",
        views.TwoFactorStatusView.as_view(),
        name="two-factor-status",
    ),
    path(
        "users/<str:uuid>/two_factor_backup_codes/",
        views.TwoFactorBackupCodesView.as_view(),
        name="two-factor-backup-codes",
    ),
    path(
        "users/<str:uuid>/two_factor_disable/",
        views.TwoFactorDisableView.as_view(),
        name="two-factor-disable",
    ),
    path("login/token/", views.LoginTokenView.as_view(), name="login-token"),
    path("reauthenticate/", views.ReauthenticateView.as_view(), name="reauthenticate"),
]
