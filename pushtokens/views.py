"""Push-token routes under ``/api/users/@me/``: register and unregister (SPEC §2.2, §2.3)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lookup import ME
from pushtokens import services
from pushtokens.serializers import (
    PushTokenRegistrationSerializer,
    PushTokenSerializer,
    PushTokenUnregistrationSerializer,
)
from users_api.throttling import UserRateThrottle

_UUID_PARAMETER = OpenApiParameter(
    "uuid",
    str,
    OpenApiParameter.PATH,
    description="Only the literal `@me`: push tokens are managed by their own device's user.",
)


class PushTokenThrottle(UserRateThrottle):
    scope = "push_tokens"


def _require_me(value: str) -> None:
    """Any path value but ``@me`` is refused, staff included (SPEC §1.5)."""
    if value != ME:
        raise exceptions.PermissionDenied("Push tokens can only be managed for @me.")


class PushTokenRegisterView(APIView):
    http_method_names = ["post"]
    required_scopes = ["user:write"]
    throttle_classes = [PushTokenThrottle]

    @extend_schema(
        operation_id="push_tokens_register",
        parameters=[_UUID_PARAMETER],
        request=PushTokenRegistrationSerializer,
        responses={200: PushTokenSerializer},
        tags=["push tokens"],
        description="Register or refresh a device's push token (idempotent). A token another "
        "user held moves to the caller and keeps its id. Each user keeps at most 20 tokens: "
        "the least recently seen are dropped. The token is never echoed.",
    )
    def post(self, request: Request, uuid: str) -> Response:
        serializer = PushTokenRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _require_me(uuid)
        push_token = services.register_push_token(user=request.user, **serializer.validated_data)
        return Response(PushTokenSerializer(push_token).data)


class PushTokenUnregisterView(APIView):
    http_method_names = ["post"]
    required_scopes = ["user:write"]
    throttle_classes = [PushTokenThrottle]

    @extend_schema(
        operation_id="push_tokens_unregister",
        parameters=[_UUID_PARAMETER],
        request=PushTokenUnregistrationSerializer,
        responses={204: OpenApiResponse(description="Deleted, or there was nothing to delete.")},
        tags=["push tokens"],
        description="Forget the caller's push token. 204 whether or not it was registered; "
        "another user's token is never touched.",
    )
    def post(self, request: Request, uuid: str) -> Response:
        serializer = PushTokenUnregistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _require_me(uuid)
        services.unregister_push_token(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
