"""``POST /api/login/`` and ``POST /api/logout/`` (docs/api.md §2.14)."""

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import login_flow
from accounts.models import User
from accounts.serializers.login import LoginSerializer
from accounts.serializers.users import UserSerializer
from accounts.services import login as login_services
from accounts.throttling import LoginEmailThrottle, LoginIPThrottle
from users_api.permissions import AllowedOrigin, SessionOnly
from users_api.request_meta import request_meta


class LoginView(APIView):
    permission_classes = [permissions.AllowAny, AllowedOrigin, SessionOnly]
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]

    @extend_schema(
        operation_id="login",
        tags=["auth"],
        request=LoginSerializer,
        responses={
            200: UserSerializer,
            401: OpenApiResponse(
                description="`invalid_credentials` (wrong pair, unknown email or inactive "
                "user: one answer), or `2fa_required`: the password step is remembered for 10 "
                "minutes; complete it with `POST /api/login/token/` (a code) or "
                "`POST /api/login/passkey/begin/` then `…/complete/` (a passkey)."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Log in with email and password; sets the session and `csrftoken` cookies."""
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meta = request_meta(request)
        user = login_services.check_password(**serializer.validated_data, meta=meta)
        if user is None:
            raise exceptions.AuthenticationFailed(
                "Invalid email or password.", code="invalid_credentials"
            )
        if login_flow.needs_second_factor(user):
            login_flow.remember_password_step(request, user)
            raise exceptions.AuthenticationFailed(
                "Confirm with your second factor: a code from your authenticator app, a backup "
                "code, or a passkey.",
                code="2fa_required",
            )
        login_flow.start_session(request, user)
        login_flow.forget_password_step(request)
        login_services.record_login(user=user, meta=meta)
        return Response(
            UserSerializer(
                User.objects.get_for_representation(user.pk), context={"request": request}
            ).data
        )


class LogoutView(APIView):
    permission_classes = [permissions.AllowAny, SessionOnly]

    @extend_schema(operation_id="logout", tags=["auth"], request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        """End the session (idempotent: without one, nothing to do)."""
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
