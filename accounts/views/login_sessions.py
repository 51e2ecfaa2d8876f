"""``/api/users/@me/login_sessions/``: where the caller is signed in, and ending it (docs/api.md
§2.17).
"""

from django.contrib.auth import logout, update_session_auth_hash
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import login_flow, lookup
from accounts.models import LoginSession
from accounts.serializers.login_sessions import (
    LoginSessionSerializer,
    LoginSessionsRevokedSerializer,
)
from accounts.services import login_sessions
from users_api.permissions import RecentlyAuthenticated, SessionOnly
from users_api.request_meta import request_meta
from users_api.schema import (
    ID_PARAMETER,
    ME_ONLY_ERRORS,
    ME_ONLY_FRESH_ERRORS,
    ME_ONLY_PARAMETER,
    error_response,
)

TAGS = ["login sessions"]


class LoginSessionListView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, SessionOnly]
    serializer_class = LoginSessionSerializer

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER],
        responses={200: LoginSessionSerializer(many=True), **ME_ONLY_ERRORS},
    )
    def get(self, request: Request, uuid: str) -> Response:
        """The caller's live sessions, the current one first, then by last activity.

        `last_activity` is updated at most once a minute. `device` is the browser and system
        read from the User-Agent at sign-in.
        """
        lookup.require_me(uuid, what="Login sessions")
        current = login_flow.current_login_session_id(request)
        rows = (
            LoginSession.objects.live()
            .filter(user=request.user)
            .annotate(
                is_current_first=Case(
                    When(pk=current, then=Value(0)), default=Value(1), output_field=IntegerField()
                )
                if current
                else Value(1, output_field=IntegerField())
            )
            .order_by("is_current_first", "-last_activity_at", "-created_at")
        )
        page = self.paginate_queryset(rows)
        data = LoginSessionSerializer(page, many=True, context={"current_id": current}).data
        return self.get_paginated_response(data)


class LoginSessionDetailView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER, ID_PARAMETER],
        responses={
            204: None,
            **ME_ONLY_FRESH_ERRORS,
            404: error_response("`not_found`: no live session of the caller with this id."),
        },
    )
    def delete(self, request: Request, uuid: str, id: str) -> Response:
        """End one session at once: its next request, on any server, is not signed in.

        Ending the current session signs this client out as well.
        """
        lookup.require_me(uuid, what="Login sessions")
        row = get_object_or_404(LoginSession.objects.filter(user=request.user), pk=id)
        is_current = str(row.pk) == login_flow.current_login_session_id(request)
        login_sessions.end_login_session(
            login_session=row, meta=request_meta(request), by=request.user
        )
        if is_current:
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LoginSessionRevokeOthersView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER],
        request=None,
        responses={200: LoginSessionsRevokedSerializer, **ME_ONLY_FRESH_ERRORS},
    )
    def post(self, request: Request, uuid: str) -> Response:
        """End every other session of the caller (and any pending sign-in); this one stays.

        `revoked_count` counts the listed sessions that ended.
        """
        lookup.require_me(uuid, what="Login sessions")
        count = login_sessions.end_other_login_sessions(
            user=request.user,
            keep_session_key=request.session.session_key or "",
            meta=request_meta(request),
        )
        update_session_auth_hash(request, request.user)  # keep this session
        return Response(LoginSessionsRevokedSerializer({"revoked_count": count}).data)
