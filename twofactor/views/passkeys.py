"""Passkeys: registration, list, rename, delete under ``/api/users/@me/passkeys/``.

The contract is docs/api.md §2.18.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import lookup
from accounts.models import Passkey
from twofactor import errors, passkey_ceremony, passkeys
from twofactor.passkey_ceremony import Purpose
from twofactor.serializers import (
    PasskeyRegistrationSerializer,
    PasskeyRenameSerializer,
    PasskeySerializer,
)
from users_api.permissions import RecentlyAuthenticated, SessionOnly
from users_api.request_meta import request_meta
from users_api.schema import (
    ID_PARAMETER,
    ME_ONLY_ERRORS,
    ME_ONLY_FRESH_ERRORS,
    ME_ONLY_PARAMETER,
    error_response,
)

TAGS = ["passkeys"]
OPTIONS = {
    200: {
        "type": "object",
        "additionalProperties": True,
        "description": "WebAuthn options JSON for the browser (base64url binary fields).",
    }
}


class PasskeyListView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, SessionOnly]
    serializer_class = PasskeySerializer

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER],
        responses={200: PasskeySerializer(many=True), **ME_ONLY_ERRORS},
    )
    def get(self, request: Request, uuid: str) -> Response:
        """The caller's passkeys, oldest first."""
        lookup.require_me(uuid, what="Passkeys")
        page = self.paginate_queryset(Passkey.objects.filter(user=request.user))
        return self.get_paginated_response(PasskeySerializer(page, many=True).data)


class PasskeyDetailView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]
    _NOT_FOUND = {404: error_response("`not_found`: no passkey of the caller with this id.")}

    def get_permissions(self) -> list:
        if self.request.method == "PATCH":  # renaming protects nothing: any session
            return [IsAuthenticated(), SessionOnly()]
        return super().get_permissions()

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER, ID_PARAMETER],
        request=PasskeyRenameSerializer,
        responses={
            200: PasskeySerializer,
            400: error_response("`attr=name`: `required`, `blank`, `max_length` (64)."),
            **ME_ONLY_ERRORS,
            **_NOT_FOUND,
        },
    )
    def patch(self, request: Request, uuid: str, id: str) -> Response:
        """Rename a passkey."""
        lookup.require_me(uuid, what="Passkeys")
        serializer = PasskeyRenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passkey = get_object_or_404(Passkey.objects.filter(user=request.user), pk=id)
        passkey = passkeys.rename_passkey(passkey=passkey, **serializer.validated_data)
        return Response(PasskeySerializer(passkey).data)

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER, ID_PARAMETER],
        responses={204: None, **ME_ONLY_FRESH_ERRORS, **_NOT_FOUND},
    )
    def delete(self, request: Request, uuid: str, id: str) -> Response:
        """Remove a passkey (notice email). Removing the last one turns
        `passkeys_enabled_for_2fa` off."""
        lookup.require_me(uuid, what="Passkeys")
        passkey = get_object_or_404(
            Passkey.objects.filter(user=request.user).select_related("user"), pk=id
        )
        passkeys.remove_passkey(passkey=passkey, meta=request_meta(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasskeyRegisterBeginView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER],
        request=None,
        responses={**OPTIONS, **ME_ONLY_FRESH_ERRORS},
    )
    def post(self, request: Request, uuid: str) -> Response:
        """Begin registering a passkey: creation options for `navigator.credentials.create()`.

        The challenge is kept in this session for `WEBAUTHN_CHALLENGE_TTL` (5 minutes) and
        works once; a new begin replaces it.
        """
        lookup.require_me(uuid, what="Passkeys")
        options, challenge = passkey_ceremony.registration_options(
            user=request.user, existing=Passkey.objects.filter(user=request.user)
        )
        passkey_ceremony.remember_challenge(
            request.session, purpose=Purpose.REGISTER, user_id=request.user.pk, challenge=challenge
        )
        return Response(options)


class PasskeyRegisterCompleteView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[ME_ONLY_PARAMETER],
        request=PasskeyRegistrationSerializer,
        responses={
            201: PasskeySerializer,
            400: error_response(
                "`challenge_expired` (no begin in this session, older than 5 minutes, or "
                "already used); `attr=credential`: `passkey_invalid` (does not verify: origin, "
                "relying party, challenge, signature), `passkey_already_registered`, "
                "`max_passkeys` (10); `attr=name` `max_length`."
            ),
            **ME_ONLY_FRESH_ERRORS,
        },
    )
    def post(self, request: Request, uuid: str) -> Response:
        """Finish registering: the attestation from the browser. Notice email."""
        lookup.require_me(uuid, what="Passkeys")
        serializer = PasskeyRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = passkey_ceremony.take_challenge(
            request.session, purpose=Purpose.REGISTER, user_id=request.user.pk
        )
        if challenge is None:
            raise errors.PasskeyChallengeExpiredError
        passkey = passkeys.register_passkey(
            user=request.user,
            challenge=challenge,
            meta=request_meta(request),
            **serializer.validated_data,
        )
        return Response(PasskeySerializer(passkey).data, status=status.HTTP_201_CREATED)
