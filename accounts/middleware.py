"""Keep the listed login session in step with its HTTP session (docs/api.md §2.17)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accounts import login_flow


class LoginSessionMiddleware:
    """After each request: last activity (at most once a minute) and the rotated session key.

    Sits below ``SessionMiddleware``, so what it changes in the session is saved on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        login_flow.track_activity(request)
        return response
