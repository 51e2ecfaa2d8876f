"""The user resource (docs/api.md §2.13): list, retrieve, edit, delete, hedgehog configuration."""

from django.contrib.auth import logout, update_session_auth_hash
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import profile_rules, staff_powers
from accounts.lookup import target_user
from accounts.models import User
from accounts.serializers.fields import JSONObjectField
from accounts.serializers.profile import UserUpdateSerializer
from accounts.serializers.users import (
    UserListQuerySerializer,
    UserSerializer,
)
from accounts.services import profile
from accounts.throttling import PasswordChangeThrottle
from users_api.errors import ErrorResponseSerializer
from users_api.permissions import APIScopePermission, RecentlyAuthenticated, SessionOnly
from users_api.request_meta import request_meta

UUID_PARAMETER = OpenApiParameter(
    "uuid",
    str,
    OpenApiParameter.PATH,
    description="`@me` for the caller. Staff may name any active user by uuid (404 otherwise); "
    "anyone else gets 403 for any value but `@me`.",
)
_ERRORS = dict.fromkeys((400, 401, 403, 404), ErrorResponseSerializer)


def _fields(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


_WRITE_RULES = (
    "Session callers need a password proof younger than `SENSITIVE_ACTION_MAX_AGE` to change "
    f"{_fields(profile_rules.fields_needing(profile_rules.Freshness.SENSITIVE))} (a password "
    "change with the correct `current_password` is its own proof), and younger than "
    "`FRESH_REAUTH_MAX_AGE` to change "
    f"{_fields(profile_rules.fields_needing(profile_rules.Freshness.FRESH))}; else 403 "
    "`sensitive_action_required_reauth`. Every other field may be changed by any session. A "
    "field sent back unchanged needs nothing. Only staff may send `is_staff` (403). API keys "
    "need `user:write` and can change neither email nor password (403)."
)


class DeletionNeedsRecentPassword(RecentlyAuthenticated):
    """Deleting the account needs a recent password proof; edits follow ``profile_rules``."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method != "DELETE" or super().has_permission(request, view)


class UserListView(generics.GenericAPIView):
    required_scopes = {"get": ["user:read"], "head": ["user:read"]}
    serializer_class = UserSerializer

    @extend_schema(
        parameters=[UserListQuerySerializer],
        responses={200: UserSerializer(many=True), 400: ErrorResponseSerializer},
        tags=["users"],
        description="Non-staff callers get a page with only themselves; staff get every active "
        "user, optionally filtered.",
    )
    def get(self, request: Request) -> Response:
        query = UserListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        users = User.objects.filter(is_active=True)
        if not request.user.is_staff:
            users = users.filter(pk=request.user.pk)
        if email := query.validated_data.get("email"):
            users = users.filter(email__iexact=email.strip())
        if "is_staff" in query.validated_data:
            users = users.filter(is_staff=query.validated_data["is_staff"])
        page = self.paginate_queryset(users.for_representation().order_by("id"))
        context = {"request": request}
        return self.get_paginated_response(UserSerializer(page, many=True, context=context).data)


class UserDetailView(APIView):
    required_scopes = {
        "get": ["user:read"],
        "head": ["user:read"],
        "patch": ["user:write"],
        "put": ["user:write"],
    }
    permission_classes = [
        permissions.IsAuthenticated,
        APIScopePermission,
        DeletionNeedsRecentPassword,
    ]
    throttle_classes = [PasswordChangeThrottle]

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "DELETE":  # deleting the account: a session, never a key
            return [*super().get_permissions(), SessionOnly()]
        return super().get_permissions()

    def _represent(self, request: Request, user: User) -> Response:
        user = User.objects.get_for_representation(user.pk)
        return Response(UserSerializer(user, context={"request": request}).data)

    @extend_schema(
        parameters=[UUID_PARAMETER],
        responses={200: UserSerializer, **dict.fromkeys((401, 403, 404), ErrorResponseSerializer)},
        tags=["users"],
    )
    def get(self, request: Request, uuid: str) -> Response:
        return self._represent(request, target_user(request, uuid))

    @extend_schema(
        parameters=[UUID_PARAMETER],
        request=UserUpdateSerializer,
        responses={200: UserSerializer, **_ERRORS},
        tags=["users"],
        description="Only the sent fields change. " + _WRITE_RULES,
    )
    def patch(self, request: Request, uuid: str) -> Response:
        return self._update(request, uuid, partial=True)

    @extend_schema(
        parameters=[UUID_PARAMETER],
        request=UserUpdateSerializer,
        responses={200: UserSerializer, **_ERRORS},
        tags=["users"],
        description="Same as PATCH: every field is optional, only the sent ones change.",
    )
    def put(self, request: Request, uuid: str) -> Response:
        return self._update(request, uuid, partial=False)

    @extend_schema(
        parameters=[UUID_PARAMETER],
        responses={204: None, **_ERRORS, 409: ErrorResponseSerializer},
        tags=["users"],
        description="Session only, with a recent re-authentication. Organizations where the "
        "user is the only member are deleted with the account; 409 `conflict` while another "
        "member remains in one of them.",
    )
    def delete(self, request: Request, uuid: str) -> Response:
        user = target_user(request, uuid)
        staff_powers.check_may_act_on(request, user, sensitive=True)
        is_caller = user.pk == request.user.pk
        profile.delete_user(user=user)
        if is_caller:
            logout(request)
        return Response(status=204)

    def _update(self, request: Request, uuid: str, *, partial: bool) -> Response:
        user = target_user(request, uuid)
        serializer = UserUpdateSerializer(
            user, data=request.data, partial=partial, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        # The caller's own session (an API key has none) survives the revocations below.
        is_caller = user.pk == request.user.pk and bool(request.session.session_key)
        handed = profile_rules.hands_over(user, serializer.validated_data)
        password_changed = profile.update_user(
            user=user,
            changes=serializer.validated_data,
            meta=request_meta(request),
            keep_session_key=request.session.session_key if is_caller else None,
        )
        if (password_changed or "passkeys_enabled_for_2fa" in serializer.validated_data) and (
            is_caller
        ):
            update_session_auth_hash(request, user)  # keep the caller signed in
        if handed and user.pk != request.user.pk:
            staff_powers.record_act(
                user=user, by=request.user, what=", ".join(handed), meta=request_meta(request)
            )
        return self._represent(request, user)


class HedgehogConfigView(APIView):
    required_scopes = {"get": ["user:read"], "head": ["user:read"], "patch": ["user:write"]}

    @extend_schema(
        parameters=[UUID_PARAMETER],
        responses={200: OpenApiTypes.OBJECT, **_ERRORS},
        tags=["users"],
        description="The hedgehog configuration, `{}` when never set.",
    )
    def get(self, request: Request, uuid: str) -> Response:
        return Response(target_user(request, uuid).hedgehog_config or {})

    @extend_schema(
        parameters=[UUID_PARAMETER],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, **_ERRORS},
        tags=["users"],
        description="Merges the sent top-level keys into the configuration; returns all of it.",
    )
    def patch(self, request: Request, uuid: str) -> Response:
        user = target_user(request, uuid)
        staff_powers.check_may_act_on(request, user, sensitive=False)
        changes = JSONObjectField().run_validation(request.data)
        return Response(profile.update_hedgehog_config(user=user, changes=changes))
