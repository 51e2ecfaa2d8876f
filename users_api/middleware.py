"""Request-level guards that must run before any view or parser reads the body."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import middleware as django_messages
from django.http import HttpRequest, HttpResponse

from users_api import errors

_API_PREFIX = "/api/"


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


class MessageMiddleware(django_messages.MessageMiddleware):
    """Django's flash messages, only where they are shown: the admin. API routes never use them."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path_info.startswith(_API_PREFIX):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if hasattr(request, "_messages"):
            return super().process_response(request, response)
        return response
