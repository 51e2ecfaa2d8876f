"""Push-token routes under ``/api/users/@me/``: list, register, unregister (docs/api.md
§2.2, §2.3).
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import lookup
from pushtokens import services
from pushtokens.models import PushToken
from pushtokens.serializers import (
    PushTokenRegistrationSerializer,
    PushTokenSerializer,
    PushTokenUnregistrationSerializer,
)
from pushtokens.throttling import PushTokenThrottle

_UUID_PARAMETER = OpenApiParameter(
    "uuid",
    str,
    OpenApiParameter.PATH,
    description="Only the literal `@me`: push tokens are managed by their own device's user.",
)


class PushTokensView(generics.GenericAPIView):
    http_method_names = ["get", "post"]
    # Every other method needs user:write too, so a key learns 405 (not 403) for it.
    required_scopes = {
        "get": ["user:read"],
        "head": ["user:read"],
        **{key: ["user:write"] for key in ("post", "put", "patch", "delete", "options")},
    }
    throttle_classes = [PushTokenThrottle]
    serializer_class = PushTokenSerializer

    @extend_schema(
        operation_id="push_tokens_list",
        parameters=[_UUID_PARAMETER],
        responses={200: PushTokenSerializer(many=True)},
        tags=["push tokens"],
        description="The caller's registered devices, most recently seen first. The token "
        "itself is never shown.",
    )
    def get(self, request: Request, uuid: str) -> Response:
        lookup.require_me(uuid, what="Push tokens")
        tokens = PushToken.objects.filter(user=request.user).order_by("-last_seen_at", "id")
        page = self.paginate_queryset(tokens)
        return self.get_paginated_response(PushTokenSerializer(page, many=True).data)

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
        lookup.require_me(uuid, what="Push tokens")
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
        lookup.require_me(uuid, what="Push tokens")
        services.unregister_push_token(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
