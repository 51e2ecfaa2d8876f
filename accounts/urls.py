from django.urls import path

from accounts.views import email_verification

urlpatterns: list = [
    # Fixed paths under users/ come FIRST: a later "users/<str:uuid>/" route would swallow them.
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
]
