"""Test URLconf: the real routes plus views that fail, for the 500 contract."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from users_api.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class FailingAPIView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> HttpResponse:
        raise RuntimeError("secret internals that must not leak")


def failing_django_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals that must not leak")


urlpatterns = [
    path("_test/fail/api/", FailingAPIView.as_view()),
    path("_test/fail/django/", failing_django_view),
    *urlpatterns,
]
