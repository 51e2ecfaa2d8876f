from django.urls import path

from accounts.views import onboarding

urlpatterns: list = [
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
]
