"""Two-factor setup, validation, status, backup codes and disable (docs/api.md §2.5-§2.9)."""

import django_otp
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import staff_powers
from accounts.lookup import target_user
from twofactor import errors, pending_setup, throttling, totp
from twofactor.serializers import (
    TwoFactorBackupCodesSerializer,
    TwoFactorSetupSerializer,
    TwoFactorStatusSerializer,
    TwoFactorSuccessSerializer,
    TwoFactorValidateSerializer,
)
from twofactor.services import backup_codes as backup_code_services
from twofactor.services import setup as setup_services
from twofactor.services import status as status_services
from twofactor.throttling import TwoFactorVerifyThrottle
from twofactor.views import SESSION_ERRORS
from users_api.permissions import RecentlyAuthenticated, SessionOnly
from users_api.request_meta import request_meta
from users_api.schema import error_response

CALLER_UUID = OpenApiParameter(
    "uuid", OpenApiTypes.STR, OpenApiParameter.PATH, description="Ignored: acts on the caller."
)
TARGET_UUID = OpenApiParameter(
    "uuid",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="`@me`, or (staff only) another user's uuid.",
)
TAGS = ["two-factor"]


class TwoFactorStartSetupView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        tags=TAGS,
        parameters=[CALLER_UUID],
        responses={200: TwoFactorSetupSerializer, **SESSION_ERRORS},
    )
    def get(self, request: Request, uuid: str) -> Response:
        """Start TOTP setup: a secret pending in this session for 10 minutes.

        Idempotent within those minutes: a second fetch (a prefetch, React's StrictMode) answers
        the same secret, so the one the user scanned stays the one that validates.
        """
        secret = pending_setup.pending(request.session, user_id=request.user.pk)
        if secret is None:
            secret = totp.new_secret()
            pending_setup.remember(request.session, user_id=request.user.pk, secret=secret)
        uri = totp.otpauth_uri(secret, issuer=settings.TOTP_ISSUER, account=request.user.email)
        body = {
            "success": True,
            "secret": totp.to_base32(secret),
            "otpauth_uri": uri,
            "qr_code_svg": totp.qr_code_svg(uri),
        }
        return Response(TwoFactorSetupSerializer(body).data)


class TwoFactorValidateView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]
    throttle_classes = [TwoFactorVerifyThrottle]

    @extend_schema(
        tags=TAGS,
        parameters=[CALLER_UUID],
        request=TwoFactorValidateSerializer,
        responses={
            200: TwoFactorSuccessSerializer,
            400: error_response(
                "`attr=token`: `required`, `null` or `invalid_input` (not 6 digits); "
                "`setup_expired` (no pending secret, or older than 10 minutes); "
                "`attr=token code=token_invalid` (wrong code)."
            ),
            **SESSION_ERRORS,
            403: error_response("API key, or `sensitive_action_required_reauth`."),
            429: error_response("`throttled`: `two_factor_verify` budget (6 per 20 minutes)."),
        },
    )
    def post(self, request: Request, uuid: str) -> Response:
        """Enable TOTP: check a code against the pending secret (errors `setup_expired`,
        `token_invalid`). Other sessions are signed out; this one is marked verified."""
        serializer = TwoFactorValidateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        secret = pending_setup.pending(request.session, user_id=user.pk)
        if secret is None:
            throttling.refund_attempt(request)  # no code was checked
            raise errors.SetupExpiredError
        device = setup_services.confirm_totp_setup(
            user=user,
            secret=secret,
            code=serializer.validated_data["token"],
            meta=request_meta(request),
            keep_session_key=request.session.session_key,
        )
        if device is None:
            raise errors.TokenInvalidError
        throttling.refund_attempt(request)  # only failed codes stay counted
        pending_setup.forget(request.session)
        update_session_auth_hash(request, user)  # keep this session; the others were revoked
        django_otp.login(request, device)
        return Response(TwoFactorSuccessSerializer({"success": True}).data)


@extend_schema_view(
    get=extend_schema(deprecated=True, summary="Deprecated alias of two_factor_start_setup")
)
class TwoFactorStartSetupAliasView(TwoFactorStartSetupView):
    """``start_2fa_setup``: kept for older clients; new ones use ``two_factor_start_setup``."""


@extend_schema_view(
    post=extend_schema(deprecated=True, summary="Deprecated alias of two_factor_validate")
)
class TwoFactorValidateAliasView(TwoFactorValidateView):
    """``validate_2fa``: kept for older clients; new ones use ``two_factor_validate``."""


class TwoFactorStatusView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        tags=TAGS,
        parameters=[TARGET_UUID],
        responses={
            200: TwoFactorStatusSerializer,
            **SESSION_ERRORS,
            404: error_response("`not_found`."),
        },
    )
    def get(self, request: Request, uuid: str) -> Response:
        """Whether two-factor authentication is on (TOTP, or passkeys turned on for it), which
        method a login asks for first, the passkeys and how many backup codes are left."""
        user = target_user(request, uuid)
        status = status_services.two_factor_status(user)
        passkey_2fa = status.has_passkeys and user.passkeys_enabled_for_2fa
        body = {
            "is_enabled": status.has_totp or passkey_2fa,
            "method": "TOTP" if status.has_totp else "passkey" if passkey_2fa else None,
            "has_totp": status.has_totp,
            "has_passkeys": status.has_passkeys,
            "passkeys_enabled_for_2fa": user.passkeys_enabled_for_2fa,
            "backup_codes_remaining": status.backup_codes_remaining,
        }
        return Response(TwoFactorStatusSerializer(body).data)


class TwoFactorBackupCodesView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[TARGET_UUID],
        request=None,
        responses={
            200: TwoFactorBackupCodesSerializer,
            400: error_response("`2fa_not_enabled`."),
            **SESSION_ERRORS,
            403: error_response(
                "API key, `sensitive_action_required_reauth`, or a uuid other than the caller's "
                "(nobody, staff included, can mint another user's codes)."
            ),
        },
    )
    def post(self, request: Request, uuid: str) -> Response:
        """Replace the backup codes with ten new ones, returned only here (`2fa_not_enabled`)."""
        user = target_user(request, uuid)
        if user.pk != request.user.pk:
            # Codes minted for someone else would let the minter pass that user's second factor.
            raise exceptions.PermissionDenied("Only the account owner can create backup codes.")
        codes = backup_code_services.regenerate_backup_codes(user=user, meta=request_meta(request))
        return Response(TwoFactorBackupCodesSerializer({"backup_codes": codes}).data)


class TwoFactorDisableView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[TARGET_UUID],
        request=None,
        responses={
            200: TwoFactorSuccessSerializer,
            **SESSION_ERRORS,
            403: error_response(
                "API key, or `sensitive_action_required_reauth`; another user's: only a "
                "superuser's fresh session."
            ),
            404: error_response("`not_found` (staff, unknown uuid)."),
        },
    )
    def post(self, request: Request, uuid: str) -> Response:
        """Remove the TOTP device, the backup codes and, when passkeys are turned on as the
        second factor, the passkeys (and the setting). Repeat calls succeed."""
        user = target_user(request, uuid)
        staff_powers.check_may_act_on(request, user, sensitive=True)
        meta = request_meta(request)
        if setup_services.disable_two_factor(user=user, meta=meta, by=request.user) and (
            user.pk != request.user.pk
        ):
            staff_powers.record_act(
                user=user, by=request.user, what="two-factor authentication off", meta=meta
            )
        return Response(TwoFactorSuccessSerializer({"success": True}).data)
