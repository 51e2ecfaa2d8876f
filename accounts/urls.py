"""Routes of the accounts app under ``/api/``. Every path ends with ``/`` (no redirects)."""

from django.urls import path

from accounts.views import users

urlpatterns = [
    path("users/", users.UserListView.as_view(), name="user-list"),
    # Fixed names under users/ (request_email_verification/, verify_email/,
    # cancel_email_change_request/, ...) go HERE, above the detail route: `users/<str:uuid>/`
    # matches any single segment and would swallow them.
    path("users/<str:uuid>/", users.UserDetailView.as_view(), name="user-detail"),
    path(
        "users/<str:uuid>/hedgehog_config/",
        users.HedgehogConfigView.as_view(),
        name="user-hedgehog-config",
    ),
]
