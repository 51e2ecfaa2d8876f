"""``POST /api/signup/`` (docs/api.md §2.14)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import login_flow
from accounts.models import User
from accounts.serializers.signup import SignupSerializer
from accounts.serializers.users import UserSerializer
from accounts.services import signup as signup_services
from accounts.throttling import SignupThrottle
from users_api.errors import ErrorResponseSerializer
from users_api.permissions import AllowedOrigin, SessionOnly


class SignupView(APIView):
    permission_classes = [permissions.AllowAny, AllowedOrigin, SessionOnly]
    throttle_classes = [SignupThrottle]

    @extend_schema(
        operation_id="signup",
        tags=["auth"],
        request=SignupSerializer,
        responses={
            201: UserSerializer,
            403: OpenApiResponse(
                ErrorResponseSerializer,
                description="`origin_not_allowed`: a browser request from an origin not in "
                "`CORS_ALLOWED_ORIGINS` (login CSRF), or an API key.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Create an account with its own organization and team, and log it in.

        The address starts unverified; a verification code is sent to it. Duplicate email →
        400 `attr=email code=unique`.
        """
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = signup_services.sign_up(**serializer.validated_data)
        login_flow.start_session(request, user)
        return Response(
            UserSerializer(
                User.objects.get_for_representation(user.pk), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED,
        )
