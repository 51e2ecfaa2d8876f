"""Onboarding skip and scene personalisation (docs/api.md §2.1, §2.4): session only."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import lookup, staff_powers
from accounts.models import User
from accounts.serializers.onboarding import OnboardingSkipSerializer, SceneDashboardPinSerializer
from accounts.serializers.users import UserSerializer
from accounts.services import onboarding, scenes
from accounts.throttling import OnboardingSkipThrottle
from users_api.permissions import SessionOnly


class OnboardingSkipView(APIView):
    # Not a sensitive write (docs/api.md §1.6): any session, also one opened by verify_email.
    permission_classes = [IsAuthenticated, SessionOnly]
    throttle_classes = [OnboardingSkipThrottle]

    @extend_schema(
        operation_id="users_onboarding_skip",
        request=OnboardingSkipSerializer,
        responses=UserSerializer,
        summary="Leave onboarding for later (or another reason); the first skip time is kept.",
        description=(
            "Session only (any session: not a sensitive write). `reason` is `later` or `other` "
            "(`delegated` only through the delegate endpoint). Cancels a pending setup "
            "delegation. `step_at_skip` goes to the logs for analytics. Throttle "
            "`onboarding_skip`, per caller."
        ),
    )
    def post(self, request: Request, uuid: str) -> Response:
        user = lookup.target_user(request, uuid)
        staff_powers.check_may_act_on(request, user, sensitive=False)
        serializer = OnboardingSkipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = onboarding.skip_onboarding(user=user, **serializer.validated_data)
        return Response(
            UserSerializer(
                User.objects.get_for_representation(user.pk), context={"request": request}
            ).data
        )


class ScenePersonalisationView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        operation_id="users_scene_personalisation",
        request=SceneDashboardPinSerializer,
        responses=UserSerializer,
        summary="Pin a dashboard of the user's current team to a product scene.",
        description=(
            "Upsert on (user, current team, scene). An unknown dashboard is "
            "`does_not_exist`; one of another team (or a user without a current team) is "
            "`invalid_input`, both on `attr=dashboard`."
        ),
    )
    def post(self, request: Request, uuid: str) -> Response:
        user = lookup.target_user(request, uuid)
        staff_powers.check_may_act_on(request, user, sensitive=False)
        serializer = SceneDashboardPinSerializer(data=request.data, context={"user": user})
        serializer.is_valid(raise_exception=True)
        scenes.pin_scene_dashboard(user=user, **serializer.validated_data)
        return Response(
            UserSerializer(
                User.objects.get_for_representation(user.pk), context={"request": request}
            ).data
        )


class ScenePersonalisationUnpinView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        operation_id="users_scene_personalisation_unpin",
        responses={204: OpenApiResponse(description="Unpinned, or nothing was pinned.")},
        summary="Unpin the dashboard of a product scene in the user's current team.",
        description="204 whether or not the scene had a pin, so clients can call it "
        "unconditionally.",
    )
    def delete(self, request: Request, uuid: str, scene: str) -> Response:
        user = lookup.target_user(request, uuid)
        staff_powers.check_may_act_on(request, user, sensitive=False)
        scenes.unpin_scene(user=user, scene=scene)
        return Response(status=status.HTTP_204_NO_CONTENT)
