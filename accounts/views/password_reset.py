"""Password reset (docs/api.md §2.16): anonymous, never logs in, never skips the second factor."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers.password_reset import (
    PasswordResetDoneSerializer,
    PasswordResetRequestSerializer,
    PasswordResetSerializer,
    PasswordResetTokenSerializer,
    PasswordResetValidSerializer,
)
from accounts.services import password_reset
from accounts.throttling import (
    PasswordResetConfirmIPThrottle,
    PasswordResetEmailThrottle,
    PasswordResetIPThrottle,
)
from users_api.errors import ErrorResponseSerializer
from users_api.permissions import SessionOnly
from users_api.request_meta import request_meta

_TAGS = ["auth"]
_UUID = OpenApiParameter(
    "uuid", OpenApiTypes.STR, OpenApiParameter.PATH, description="The uuid from the reset link."
)


class PasswordResetRequestView(APIView):
    permission_classes = [permissions.AllowAny, SessionOnly]  # anonymous
    throttle_classes = [PasswordResetIPThrottle, PasswordResetEmailThrottle]

    @extend_schema(
        operation_id="password_reset_request",
        tags=_TAGS,
        request=PasswordResetRequestSerializer,
        responses={
            204: OpenApiResponse(description="Always, whether or not the address is known."),
            400: ErrorResponseSerializer,
            429: ErrorResponseSerializer,
        },
        description="Emails a reset link (valid `PASSWORD_RESET_TIMEOUT` seconds, once) if the "
        "address belongs to an active account. The answer and its timing are the same for "
        "unknown addresses. Throttled per address (`password_reset_email`) and per IP "
        "(`password_reset_ip`).",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset.request_reset(
            email=serializer.validated_data["email"], meta=request_meta(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    permission_classes = [permissions.AllowAny, SessionOnly]  # anonymous
    throttle_classes = [PasswordResetConfirmIPThrottle]

    @extend_schema(
        operation_id="password_reset_check",
        tags=_TAGS,
        parameters=[_UUID, PasswordResetTokenSerializer],
        responses={200: PasswordResetValidSerializer, 400: ErrorResponseSerializer},
        description="Whether a reset link still works: 400 `attr=token code=invalid_token` for "
        "a wrong, expired or used token or an unknown uuid (one answer for all).",
    )
    def get(self, request: Request, uuid: str) -> Response:
        query = PasswordResetTokenSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        password_reset.user_for_token(uuid=uuid, token=query.validated_data["token"])
        return Response(PasswordResetValidSerializer({"success": True}).data)

    @extend_schema(
        operation_id="password_reset_confirm",
        tags=_TAGS,
        parameters=[_UUID],
        request=PasswordResetSerializer,
        responses={200: PasswordResetDoneSerializer, 400: ErrorResponseSerializer},
        description="Set a new password with the link's token: 400 `attr=token "
        "code=invalid_token`, or `attr=password` when a password validator refuses it. Every "
        "session and pending login of the user ends, a notice is emailed. Does not sign in: "
        "sign in afterwards (with the second factor, if enabled).",
    )
    def post(self, request: Request, uuid: str) -> Response:
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = serializer.validated_data["token"]
        user = password_reset.user_for_token(uuid=uuid, token=token)
        password = serializer.validated_data["password"]
        try:
            password_validation.validate_password(password, user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": get_error_detail(exc)}) from exc
        password_reset.reset_password(
            user=user, token=token, password=password, meta=request_meta(request)
        )
        return Response(PasswordResetDoneSerializer({"email": user.email}).data)
