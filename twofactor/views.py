"""HTTP adapters for two-factor setup, status, backup codes, disable and the login second step.

Every two-factor route is session-only: the views declare no API-key scope, so a key is refused.
"""

import django_otp
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import freshness, login_flow
from accounts.lookup import target_user
from accounts.models import SecurityEvent
from accounts.serializers.users import UserSerializer
from accounts.services import security_events
from accounts.services.security_events import RequestMeta
from twofactor import errors, pending_setup, services, totp
from twofactor.models import TOTPDevice
from twofactor.serializers import (
    LoginTokenSerializer,
    ReauthenticatedSerializer,
    ReauthenticateSerializer,
    TwoFactorBackupCodesSerializer,
    TwoFactorSetupSerializer,
    TwoFactorStatusSerializer,
    TwoFactorSuccessSerializer,
    TwoFactorValidateSerializer,
)
from twofactor.throttling import (
    LoginTokenThrottle,
    ReauthenticatePasswordThrottle,
    ReauthenticateTokenThrottle,
    TwoFactorVerifyThrottle,
)
from users_api.permissions import APIScopePermission, RecentlyAuthenticated

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


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=f"Error body `{{type, code, detail, attr}}`: {description}")


SESSION_ERRORS = {
    401: _error("`not_authenticated`."),
    403: _error("`permission_denied`: two-factor routes refuse API keys."),
}


def _raise_unless_accepted(
    verification: services.Verification, invalid: exceptions.APIException
) -> None:
    if verification.result is services.Result.THROTTLED:
        wait = verification.retry_after.total_seconds() if verification.retry_after else None
        raise exceptions.Throttled(wait=wait)
    if not verification.accepted:
        raise invalid


class TwoFactorStartSetupView(APIView):
    @extend_schema(
        tags=TAGS,
        parameters=[CALLER_UUID],
        responses={200: TwoFactorSetupSerializer, **SESSION_ERRORS},
    )
    def get(self, request: Request, uuid: str) -> Response:
        """Start TOTP setup: a new secret, pending in this session for 10 minutes."""
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
    permission_classes = [IsAuthenticated, APIScopePermission, RecentlyAuthenticated]
    throttle_classes = [TwoFactorVerifyThrottle]

    @extend_schema(
        tags=TAGS,
        parameters=[CALLER_UUID],
        request=TwoFactorValidateSerializer,
        responses={
            200: TwoFactorSuccessSerializer,
            400: _error(
                "`attr=token`: `required`, `null` or `invalid_input` (not 6 digits); "
                "`setup_expired` (no pending secret, or older than 10 minutes); "
                "`attr=token code=token_invalid` (wrong code)."
            ),
            **SESSION_ERRORS,
            403: _error("API key, or `sensitive_action_required_reauth`."),
            429: _error("`throttled`: `two_factor_verify` budget (6 per 20 minutes)."),
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
            raise errors.SetupExpired()
        device = services.confirm_totp_setup(
            user=user,
            secret=secret,
            code=serializer.validated_data["token"],
            meta=RequestMeta.of(request),
        )
        if device is None:
            raise errors.token_invalid()
        pending_setup.forget(request.session)
        update_session_auth_hash(request, user)  # keep this session; the others were revoked
        django_otp.login(request, device)
        return Response(TwoFactorSuccessSerializer({"success": True}).data)


class TwoFactorStatusView(APIView):
    @extend_schema(
        tags=TAGS,
        parameters=[TARGET_UUID],
        responses={200: TwoFactorStatusSerializer, **SESSION_ERRORS, 404: _error("`not_found`.")},
    )
    def get(self, request: Request, uuid: str) -> Response:
        """Whether two-factor authentication is on, and how many backup codes are left."""
        user = target_user(request, uuid)
        has_totp = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        body = {
            "is_enabled": has_totp,
            "method": "TOTP" if has_totp else None,
            "has_totp": has_totp,
            "has_passkeys": False,
            "passkeys_enabled_for_2fa": user.passkeys_enabled_for_2fa,
            "backup_codes_remaining": services.backup_codes_remaining(user) if has_totp else 0,
        }
        return Response(TwoFactorStatusSerializer(body).data)


class TwoFactorBackupCodesView(APIView):
    permission_classes = [IsAuthenticated, APIScopePermission, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[TARGET_UUID],
        request=None,
        responses={
            200: TwoFactorBackupCodesSerializer,
            400: _error("`2fa_not_enabled`."),
            **SESSION_ERRORS,
            403: _error(
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
        codes = services.regenerate_backup_codes(user=user, meta=RequestMeta.of(request))
        return Response(TwoFactorBackupCodesSerializer({"backup_codes": codes}).data)


class TwoFactorDisableView(APIView):
    permission_classes = [IsAuthenticated, APIScopePermission, RecentlyAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[TARGET_UUID],
        request=None,
        responses={
            200: TwoFactorSuccessSerializer,
            **SESSION_ERRORS,
            403: _error("API key, or `sensitive_action_required_reauth`."),
            404: _error("`not_found` (staff, unknown uuid)."),
        },
    )
    def post(self, request: Request, uuid: str) -> Response:
        """Remove the TOTP device and backup codes. Repeat calls succeed."""
        user = target_user(request, uuid)
        services.disable_two_factor(user=user, meta=RequestMeta.of(request), by=request.user)
        return Response(TwoFactorSuccessSerializer({"success": True}).data)


class LoginTokenView(APIView):
    permission_classes = [APIScopePermission]  # anonymous; an API key is refused
    throttle_classes = [LoginTokenThrottle]

    @extend_schema(
        tags=["auth"],
        request=LoginTokenSerializer,
        responses={
            200: UserSerializer,
            400: _error("`attr=token`: missing, or neither 6 digits nor a backup code."),
            401: _error("`2fa_expired` (no password step in the last 10 minutes), `2fa_invalid`."),
            403: _error("`permission_denied`: an API key was sent."),
            429: _error("`throttled`: back-off after a failure, or 6 attempts per 20 minutes."),
        },
    )
    def post(self, request: Request) -> Response:
        """Second login step: a TOTP code or an unused backup code (`2fa_expired`,
        `2fa_invalid`, 429 after repeated failures)."""
        serializer = LoginTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = login_flow.pending_password_step(request)
        if user is None:
            raise errors.SecondFactorExpired()
        meta = RequestMeta.of(request)
        verification = services.verify_second_factor(
            user=user, token=serializer.validated_data["token"], meta=meta
        )
        if verification.result is services.Result.NOT_ENABLED:
            raise errors.SecondFactorExpired()  # 2FA was turned off meanwhile: log in afresh
        _raise_unless_accepted(verification, errors.SecondFactorInvalid())
        login_flow.forget_password_step(request)
        login_flow.start_session(request, user)
        django_otp.login(request, verification.device)
        security_events.record(
            type=SecurityEvent.Type.LOGIN_SUCCEEDED,
            user=user,
            meta=meta,
            context={"second_factor": verification.method},
        )
        return Response(UserSerializer(user, context={"request": request}).data)


class ReauthenticateView(APIView):
    throttle_classes = [ReauthenticatePasswordThrottle, ReauthenticateTokenThrottle]

    @extend_schema(
        tags=["auth"],
        request=ReauthenticateSerializer,
        responses={
            200: ReauthenticatedSerializer,
            400: _error(
                "`attr=password code=incorrect_password`, `attr=token code=2fa_required`, "
                "`attr=token code=2fa_invalid`."
            ),
            **SESSION_ERRORS,
            429: _error("`throttled`."),
        },
    )
    def post(self, request: Request) -> Response:
        """Prove the password again (and a code when 2FA is on) to unlock sensitive actions.

        Errors, all 400 because the session itself stays valid: `attr=password
        code=incorrect_password`; `attr=token code=2fa_required` (2FA on, no code);
        `attr=token code=2fa_invalid` (wrong or used code). 429 after repeated failures.
        """
        serializer = ReauthenticateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        meta = RequestMeta.of(request)
        password_hash = user.password
        if not user.check_password(serializer.validated_data["password"]):
            security_events.record(
                type=SecurityEvent.Type.LOGIN_FAILED,
                user=user,
                meta=meta,
                context={"reason": "reauthenticate"},
            )
            raise errors.incorrect_password()
        if user.password != password_hash:
            # check_password upgraded the stored hash, which is part of the session auth hash.
            update_session_auth_hash(request, user)
        if services.has_totp(user):
            token = serializer.validated_data.get("token")
            if not token:
                raise errors.reauth_token_required()
            verification = services.verify_second_factor(user=user, token=token, meta=meta)
            _raise_unless_accepted(verification, errors.reauth_token_invalid())
            django_otp.login(request, verification.device)
        freshness.stamp(request.session)
        body = {
            "fresh_reauth_expires_at": freshness.fresh_expires_at(request.session),
            "sensitive_session_expires_at": freshness.sensitive_expires_at(request.session),
        }
        return Response(ReauthenticatedSerializer(body).data)
