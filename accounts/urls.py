"""Routes of the accounts app under ``/api/``. Every path ends with ``/`` (no redirects)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.views import email_verification, login_sessions, onboarding, users
from accounts.views.api_keys import CurrentPersonalAPIKeyView, PersonalAPIKeyViewSet
from accounts.views.login import LoginView, LogoutView
from accounts.views.password_reset import PasswordResetRequestView, PasswordResetView
from accounts.views.signup import SignupView

router = SimpleRouter()
router.register("personal_api_keys", PersonalAPIKeyViewSet, basename="personal_api_keys")

urlpatterns = [
    path("signup/", SignupView.as_view(), name="signup"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("reset/", PasswordResetRequestView.as_view(), name="password-reset-request"),
    path("reset/<str:uuid>/", PasswordResetView.as_view(), name="password-reset"),
    # Before the router: "@current" would otherwise be taken for a key id.
    path(
        "personal_api_keys/@current/",
        CurrentPersonalAPIKeyView.as_view(),
        name="personal_api_keys_current",
    ),
    *router.urls,
    path("users/", users.UserListView.as_view(), name="user-list"),
    # Fixed names under users/ (request_email_verification/, verify_email/,
    # cancel_email_change_request/, ...) go HERE, above the detail route: `users/<str:uuid>/`
    # matches any single segment and would swallow them.
    path(
        "users/request_email_verification/",
        email_verification.RequestEmailVerificationView.as_view(),
        name="request-email-verification",
    ),
    path(
        "users/verify_email/",
        email_verification.VerifyEmailView.as_view(),
        name="verify-email",
    ),
    path(
        "users/cancel_email_change_request/",
        email_verification.CancelEmailChangeRequestView.as_view(),
        name="cancel-email-change-request",
    ),
    path("users/<str:uuid>/", users.UserDetailView.as_view(), name="user-detail"),
    path(
        "users/<str:uuid>/login_sessions/",
        login_sessions.LoginSessionListView.as_view(),
        name="login-sessions",
    ),
    path(
        "users/<str:uuid>/login_sessions/revoke_others/",
        login_sessions.LoginSessionRevokeOthersView.as_view(),
        name="login-sessions-revoke-others",
    ),
    path(
        "users/<str:uuid>/login_sessions/<uuid:id>/",
        login_sessions.LoginSessionDetailView.as_view(),
        name="login-session-detail",
    ),
    path(
        "users/<str:uuid>/hedgehog_config/",
        users.HedgehogConfigView.as_view(),
        name="user-hedgehog-config",
    ),
    path(
        "users/<str:uuid>/onboarding/skip/",
        onboarding.OnboardingSkipView.as_view(),
        name="user-onboarding-skip",
    ),
    path(
        "users/<str:uuid>/scene_personalisation/",
        onboarding.ScenePersonalisationView.as_view(),
        name="user-scene-personalisation",
    ),
    path(
        "users/<str:uuid>/scene_personalisation/<str:scene>/",
        onboarding.ScenePersonalisationUnpinView.as_view(),
        name="user-scene-personalisation-unpin",
    ),
]
