from django.urls import path

from pushtokens.views import PushTokensView, PushTokenUnregisterView

urlpatterns = [
    path(
        "users/<str:uuid>/push_tokens/",
        PushTokensView.as_view(),
        name="push-token-register",
    ),
    path(
        "users/<str:uuid>/push_tokens/unregister/",
        PushTokenUnregisterView.as_view(),
        name="push-token-unregister",
    ),
]
