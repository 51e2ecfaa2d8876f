"""Two-factor routes under ``/api/users/{uuid}/…`` and the login second step (docs/api.md
§2.5-§2.9).
"""

from django.urls import path

from twofactor.views import login, passkeys, setup

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
    path("users/<str:uuid>/passkeys/", passkeys.PasskeyListView.as_view(), name="passkeys"),
    path(
        "users/<str:uuid>/passkeys/register/begin/",
        passkeys.PasskeyRegisterBeginView.as_view(),
        name="passkey-register-begin",
    ),
    path(
        "users/<str:uuid>/passkeys/register/complete/",
        passkeys.PasskeyRegisterCompleteView.as_view(),
        name="passkey-register-complete",
    ),
    path(
        "users/<str:uuid>/passkeys/<uuid:id>/",
        passkeys.PasskeyDetailView.as_view(),
        name="passkey-detail",
    ),
    path("login/token/", login.LoginTokenView.as_view(), name="login-token"),
    path("login/passkey/begin/", login.LoginPasskeyBeginView.as_view(), name="login-passkey-begin"),
    path(
        "login/passkey/complete/",
        login.LoginPasskeyCompleteView.as_view(),
        name="login-passkey-complete",
    ),
    path("reauthenticate/", login.ReauthenticateView.as_view(), name="reauthenticate"),
    path(
        "reauthenticate/passkey/begin/",
        login.ReauthenticatePasskeyBeginView.as_view(),
        name="reauthenticate-passkey-begin",
    ),
]
