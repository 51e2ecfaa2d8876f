"""Personal API keys (docs/api.md §2.15): managed with a session; a key may only look at itself."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import PersonalAPIKey
from accounts.models.api_keys import Scope
from accounts.serializers.api_keys import (
    PersonalAPIKeyCreateSerializer,
    PersonalAPIKeySerializer,
    PersonalAPIKeyUpdateSerializer,
    PersonalAPIKeyWithValueSerializer,
)
from accounts.services import api_keys as api_key_services
from users_api.permissions import (
    RecentlyAuthenticated,
    SessionOnly,
    api_key_of,
)
from users_api.request_meta import request_meta
from users_api.schema import error_response

# Minting a credential or widening what it may do needs a recent password proof (docs/api.md §1.6);
# revoking does not, so a leaked key can always be killed at once.
_FRESH_ACTIONS = {"create", "partial_update", "roll"}


@extend_schema(tags=["personal_api_keys"])
@extend_schema_view(
    list=extend_schema(summary="List your personal API keys (never their values)"),
    retrieve=extend_schema(summary="Retrieve one of your personal API keys"),
    destroy=extend_schema(
        summary="Revoke a key: it stops working at once",
        description="Allowed with any session, however old: a leaked key can always be killed.",
    ),
)
class PersonalAPIKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PersonalAPIKeySerializer
    permission_classes = [permissions.IsAuthenticated, SessionOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[PersonalAPIKey]:
        return PersonalAPIKey.objects.filter(user_id=self.request.user.pk)

    def get_permissions(self) -> list[permissions.BasePermission]:
        checks = super().get_permissions()
        if self.action in _FRESH_ACTIONS:
            checks.append(RecentlyAuthenticated())
        return checks

    def _with_value(self, key: PersonalAPIKey, value: str, code: int) -> Response:
        data = PersonalAPIKeyWithValueSerializer(key, context={"value": value}).data
        return Response(data, status=code)

    @extend_schema(
        summary="Create a key; the answer is the only time its value is shown",
        description="A session must have proved its password within "
        "`SENSITIVE_ACTION_MAX_AGE` (else 403 `sensitive_action_required_reauth`).",
        request=PersonalAPIKeyCreateSerializer,
        responses={201: PersonalAPIKeyWithValueSerializer},
    )
    def create(self, request: Request) -> Response:
        serializer = PersonalAPIKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, value = api_key_services.create_key(
            user=request.user, **serializer.validated_data, meta=request_meta(request)
        )
        return self._with_value(key, value, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a key's label and/or scopes",
        description="A session must have proved its password within "
        "`SENSITIVE_ACTION_MAX_AGE` (else 403 `sensitive_action_required_reauth`).",
        request=PersonalAPIKeyUpdateSerializer,
        responses={200: PersonalAPIKeySerializer},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        serializer = PersonalAPIKeyUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = api_key_services.update_key(key=self.get_object(), **serializer.validated_data)
        return Response(PersonalAPIKeySerializer(key).data)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        api_key_services.revoke_key(key=self.get_object(), meta=request_meta(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Replace a key's secret, keeping label and scopes; the old value stops working",
        description="A session must have proved its password within "
        "`SENSITIVE_ACTION_MAX_AGE` (else 403 `sensitive_action_required_reauth`).",
        request=None,
        responses={200: PersonalAPIKeyWithValueSerializer},
    )
    @action(detail=True, methods=["post"])
    def roll(self, request: Request, pk: str | None = None) -> Response:
        key, value = api_key_services.roll_key(key=self.get_object(), meta=request_meta(request))
        return self._with_value(key, value, status.HTTP_200_OK)


class CurrentPersonalAPIKeyView(APIView):
    """The key the request is made with, so a client can discover what it may do."""

    # Every scope implies user:read, so any valid key may ask about itself.
    required_scopes = [Scope.USER_READ]

    @extend_schema(
        operation_id="personal_api_keys_current",
        tags=["personal_api_keys"],
        summary="The calling key's own record (API keys only; a session gets 404)",
        auth=[{"PersonalAPIKey": []}],
        responses={
            200: PersonalAPIKeySerializer,
            404: error_response("A session, not an API key, made the request (`not_found`)."),
        },
    )
    def get(self, request: Request) -> Response:
        key = api_key_of(request)
        if key is None:
            raise exceptions.NotFound("Only a request made with an API key has a current key.")
        return Response(PersonalAPIKeySerializer(key).data)
