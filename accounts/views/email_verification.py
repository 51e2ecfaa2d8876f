"""Email verification and email-change cancellation (docs/api.md §2.10-§2.12)."""

import uuid as uuid_lib

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import errors, login_flow, lookup
from accounts.models import LoginSession, User
from accounts.serializers.email_verification import (
    EmailVerificationSentSerializer,
    EmailVerifiedSerializer,
    RequestEmailVerificationSerializer,
    VerifyEmailSerializer,
)
from accounts.serializers.users import UserSerializer
from accounts.services import email_verification
from accounts.throttling import (
    EmailVerificationRequestThrottle,
    VerifyEmailIPThrottle,
    VerifyEmailUserThrottle,
)
from users_api.errors import ErrorResponseSerializer
from users_api.permissions import AllowedOrigin, SessionOnly
from users_api.request_meta import request_meta


def _active_user(request: Request, value: str) -> User | None:
    """The user the body's ``uuid`` names; ``@me`` is the signed-in caller, as in paths."""
    if value == lookup.ME:
        if not request.user.is_authenticated:
            raise serializers.ValidationError(
                {
                    "uuid": [
                        serializers.ErrorDetail(
                            "@me names the signed-in user; without a session send the uuid.",
                            code="session_required",
                        )
                    ]
                }
            )
        return request.user
    try:
        parsed = uuid_lib.UUID(value)
    except ValueError:
        return None
    return User.objects.filter(uuid=parsed, is_active=True).first()


class RequestEmailVerificationView(APIView):
    permission_classes = [AllowAny, SessionOnly]  # anonymous
    throttle_classes = [EmailVerificationRequestThrottle]

    @extend_schema(
        operation_id="users_request_email_verification",
        summary="Send a new email verification code",
        description=(
            "Sends a 6-digit code, valid 10 minutes, to the pending email address if an email "
            "change is staged, else to the account email; it replaces any earlier code. An "
            "unknown or malformed `uuid` gets the same 200 and nothing is sent. 400 "
            "`already_verified` when the email is verified and no change is pending. `uuid` may "
            "be `@me` with a session. Throttled "
            "per target user (`email_verification_request`)."
        ),
        request=RequestEmailVerificationSerializer,
        responses={200: EmailVerificationSentSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = RequestEmailVerificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _active_user(request, serializer.validated_data["uuid"])
        if user is not None:
            email_verification.request_verification(user=user)
        return Response({"success": True})


class VerifyEmailView(APIView):
    # Anonymous; an API key is refused; it opens a session, so another site may not post it.
    permission_classes = [AllowAny, AllowedOrigin, SessionOnly]
    throttle_classes = [VerifyEmailUserThrottle, VerifyEmailIPThrottle]

    @extend_schema(
        operation_id="users_verify_email",
        summary="Verify an email address with its code",
        description=(
            "400 `attr=code`: `invalid_input` (not 6 digits after normalisation; spends no "
            "attempt), `invalid_code` (unknown user, wrong, expired or superseded code), "
            "`too_many_attempts` (more than 5 attempts on this code: request a new one). 400 "
            "`attr=email code=email_taken` when a pending address was taken meanwhile. On "
            "success: `requires_2fa` without a session for users with two-factor "
            "authentication, else a new session (cookie and `csrftoken`; it has not proved "
            "the password, so sensitive writes need `/api/reauthenticate/` first). An email "
            "change confirmed without the owner's own session opens no session. 400 "
            "`already_verified` (no code checked) when the email is verified and no change is "
            "pending. `uuid` may be `@me` with a session (else 400 `attr=uuid "
            "code=session_required`, no attempt spent)."
        ),
        request=VerifyEmailSerializer,
        responses={
            200: EmailVerifiedSerializer,
            403: OpenApiResponse(
                ErrorResponseSerializer,
                description="`origin_not_allowed`: a browser request from an origin not in "
                "`CORS_ALLOWED_ORIGINS` (login CSRF), or an API key.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = VerifyEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _active_user(request, serializer.validated_data["uuid"])
        if user is None:
            raise errors.InvalidCodeError
        verified = email_verification.verify_email(
            user=user, code=serializer.validated_data["code"], meta=request_meta(request)
        )
        if login_flow.needs_second_factor(user):
            return Response({"success": True, "requires_2fa": True})
        if verified is email_verification.Verified.EMAIL_CHANGED and not _owner_session(
            request, user
        ):
            # Whoever staged the address (an administrator, say) holds its code: only the
            # owner's own session, which needed a fresh password to start the change, goes on.
            return Response({"success": True})
        login_flow.start_session(
            request, user, method=LoginSession.Method.EMAIL_CODE, password_proved=False
        )
        return Response({"success": True})


def _owner_session(request: Request, user: User) -> bool:
    return request.user.is_authenticated and request.user.pk == user.pk


class CancelEmailChangeRequestView(APIView):
    # Cancelling protects the account rather than exposing it: any session may do it.
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        operation_id="users_cancel_email_change_request",
        summary="Cancel a pending email change",
        description=(
            "Clears `pending_email` and invalidates its code. 400 "
            "`email_change_request_not_found` when no change is pending. Session only (any "
            "session)."
        ),
        request=None,
        responses={200: UserSerializer},
    )
    def patch(self, request: Request) -> Response:
        email_verification.cancel_email_change(user=request.user, meta=request_meta(request))
        return Response(
            UserSerializer(
                User.objects.get_for_representation(request.user.pk),
                context={"request": request},
            ).data
        )
