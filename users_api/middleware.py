"""Request-level guards that must run before any view or parser reads the body."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from users_api import errors


class RequestSizeLimitMiddleware:
    """Refuse bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with a JSON 413.

    Django only enforces the limit for form bodies (and then as an HTML 400); DRF's JSON parser
    reads the stream directly, so without this an arbitrarily large JSON body would be parsed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return errors.request_too_large()
        return self.get_response(request)
