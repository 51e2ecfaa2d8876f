"""The login second step and re-authentication (docs/api.md §2.14): where accounts meets
twofactor.
"""

import django_otp
from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import freshness, login_flow
from accounts.models import LoginSession, Passkey, SecurityEvent, User
from accounts.serializers.users import UserSerializer
from accounts.services import security_events
from accounts.services.security_events import RequestMeta
from twofactor import errors, passkey_ceremony, passkeys, throttling
from twofactor.passkey_ceremony import Purpose
from twofactor.serializers import (
    LoginTokenSerializer,
    PasskeyAssertionSerializer,
    ReauthenticatedSerializer,
    ReauthenticateSerializer,
)
from twofactor.services import status as status_services
from twofactor.services import verification as verification_services
from twofactor.throttling import (
    LoginTokenThrottle,
    ReauthenticatePasswordThrottle,
    ReauthenticateTokenThrottle,
)
from twofactor.views import SESSION_ERRORS
from users_api.domain_errors import DomainError
from users_api.permissions import SessionOnly
from users_api.request_meta import request_meta
from users_api.schema import error_response


def _raise_unless_accepted(
    request: Request, verification: verification_services.Verification, invalid: DomainError
) -> None:
    if verification.result is not verification_services.Result.INVALID:
        throttling.refund_attempt(request)  # only failed codes stay counted
    if verification.result is verification_services.Result.THROTTLED:
        wait = verification.retry_after.total_seconds() if verification.retry_after else None
        raise exceptions.Throttled(wait=wait)
    if not verification.accepted:
        raise invalid


class LoginTokenView(APIView):
    permission_classes = [SessionOnly]  # anonymous
    throttle_classes = [LoginTokenThrottle]

    @extend_schema(
        tags=["auth"],
        request=LoginTokenSerializer,
        responses={
            200: UserSerializer,
            400: error_response("`attr=token`: missing, or neither 6 digits nor a backup code."),
            401: error_response(
                "`2fa_expired` (no password step in the last 10 minutes), `2fa_invalid`."
            ),
            403: error_response("`permission_denied`: an API key was sent."),
            429: error_response(
                "`throttled`: back-off after a failure, or 6 attempts per 20 minutes."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Second login step: a TOTP code or an unused backup code (`2fa_expired`,
        `2fa_invalid`, 429 after repeated failures)."""
        serializer = LoginTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = login_flow.pending_password_step(request)
        if user is None:
            raise errors.SecondFactorExpiredError
        meta = request_meta(request)
        verification = verification_services.verify_second_factor(
            user=user, token=serializer.validated_data["token"], meta=meta
        )
        if verification.result is verification_services.Result.NOT_ENABLED:
            throttling.refund_attempt(request)
            raise errors.SecondFactorExpiredError  # 2FA was turned off meanwhile: log in afresh
        _raise_unless_accepted(request, verification, errors.SecondFactorInvalidError())
        login_flow.forget_password_step(request)
        method = f"password+{verification.method}"  # password+totp, password+backup_code
        login_flow.start_session(request, user, method=method)
        django_otp.login(request, verification.device)
        security_events.record(
            type=SecurityEvent.Type.LOGIN_SUCCEEDED,
            user=user,
            meta=meta,
            context={"second_factor": verification.method},
        )
        return Response(
            UserSerializer(
                User.objects.get_for_representation(user.pk), context={"request": request}
            ).data
        )


class ReauthenticateView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]
    throttle_classes = [ReauthenticatePasswordThrottle, ReauthenticateTokenThrottle]

    @extend_schema(
        tags=["auth"],
        request=ReauthenticateSerializer,
        responses={
            200: ReauthenticatedSerializer,
            400: error_response(
                "`attr=password code=incorrect_password`, `attr=token code=2fa_required`, "
                "`attr=token code=2fa_invalid`, `attr=passkey`: `2fa_required`, "
                "`challenge_expired`, `passkey_invalid`."
            ),
            **SESSION_ERRORS,
            429: error_response("`throttled`."),
        },
    )
    def post(self, request: Request) -> Response:
        """Prove the password again (and a code when 2FA is on) to unlock sensitive actions.

        Errors, all 400 because the session itself stays valid: `attr=password
        code=incorrect_password`; `attr=token code=2fa_required` (2FA on, no code);
        `attr=token code=2fa_invalid` (wrong or used code). With passkeys as the second factor,
        `passkey` (an assertion for `POST /api/reauthenticate/passkey/begin/`) instead of
        `token`: `attr=passkey code=2fa_required`, `challenge_expired`, `passkey_invalid`.
        429 after repeated failures.
        """
        serializer = ReauthenticateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        meta = request_meta(request)
        password_hash = user.password
        if not user.check_password(serializer.validated_data["password"]):
            security_events.record(
                type=SecurityEvent.Type.LOGIN_FAILED,
                user=user,
                meta=meta,
                context={"reason": "reauthenticate"},
            )
            throttling.refund_attempt(request)  # the code was not checked (own throttle above)
            raise errors.IncorrectPasswordError
        if user.password != password_hash:
            # check_password upgraded the stored hash, which is part of the session auth hash.
            update_session_auth_hash(request, user)
        credential = serializer.validated_data.get("passkey")
        if credential and passkeys.uses_passkeys_for_2fa(user):
            _check_reauth_passkey(request, credential, meta)
        elif status_services.has_totp(user):
            token = serializer.validated_data.get("token")
            if not token:
                raise errors.ReauthTokenRequiredError
            verification = verification_services.verify_second_factor(
                user=user, token=token, meta=meta
            )
            _raise_unless_accepted(request, verification, errors.ReauthTokenInvalidError())
            django_otp.login(request, verification.device)
        elif passkeys.uses_passkeys_for_2fa(user):
            throttling.refund_attempt(request)
            raise errors.ReauthPasskeyRequiredError
        else:
            throttling.refund_attempt(request)  # no second factor: a sent code is not checked
        freshness.stamp(request.session)
        body = {
            "fresh_reauth_expires_at": freshness.fresh_expires_at(request.session),
            "sensitive_session_expires_at": freshness.sensitive_expires_at(request.session),
        }
        return Response(ReauthenticatedSerializer(body).data)


def _check_reauth_passkey(request: Request, credential: dict, meta: RequestMeta) -> None:
    challenge = passkey_ceremony.take_challenge(
        request.session, purpose=Purpose.REAUTHENTICATE, user_id=request.user.pk
    )
    if challenge is None:
        throttling.refund_attempt(request)  # nothing was checked
        raise errors.PasskeyChallengeExpiredError(attr="passkey")
    passkey = passkeys.verify_passkey(
        user=request.user, credential=credential, challenge=challenge, meta=meta
    )
    if passkey is None:
        raise errors.PasskeyInvalidError(attr="passkey")  # a failed attempt: stays counted
    throttling.refund_attempt(request)


_OPTIONS = {
    200: {
        "type": "object",
        "additionalProperties": True,
        "description": "WebAuthn request options JSON for `navigator.credentials.get()`.",
    }
}


class ReauthenticatePasskeyBeginView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        tags=["auth"],
        request=None,
        responses={
            **_OPTIONS,
            400: error_response("`no_passkeys`: passkeys are not this account's second factor."),
            **SESSION_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        """Begin re-authenticating with a passkey; send the assertion as `passkey` to
        `POST /api/reauthenticate/` with the password. The challenge lives 5 minutes, once."""
        if not passkeys.uses_passkeys_for_2fa(request.user):
            raise errors.NoPasskeysError
        return Response(_begin(request, request.user, Purpose.REAUTHENTICATE))


def _begin(request: Request, user: User, purpose: Purpose) -> dict:
    options, challenge = passkey_ceremony.authentication_options(
        passkeys=Passkey.objects.filter(user=user)
    )
    passkey_ceremony.remember_challenge(
        request.session, purpose=purpose, user_id=user.pk, challenge=challenge
    )
    return options


class LoginPasskeyBeginView(APIView):
    permission_classes = [SessionOnly]  # anonymous

    @extend_schema(
        tags=["auth"],
        request=None,
        responses={
            **_OPTIONS,
            400: error_response("`no_passkeys`: passkeys are not this account's second factor."),
            401: error_response("`2fa_expired`: no password step in the last 10 minutes."),
            403: error_response("`permission_denied`: an API key was sent."),
        },
    )
    def post(self, request: Request) -> Response:
        """Second login step with a passkey, part 1: request options naming the user's
        passkeys. The challenge is bound to this session, lives 5 minutes and works once."""
        user = login_flow.pending_password_step(request)
        if user is None:
            raise errors.SecondFactorExpiredError
        if not passkeys.uses_passkeys_for_2fa(user):
            raise errors.NoPasskeysError
        return Response(_begin(request, user, Purpose.LOGIN))


class LoginPasskeyCompleteView(APIView):
    permission_classes = [SessionOnly]  # anonymous
    throttle_classes = [LoginTokenThrottle]

    @extend_schema(
        tags=["auth"],
        request=PasskeyAssertionSerializer,
        responses={
            200: UserSerializer,
            400: error_response("`attr=credential`: missing or not an object."),
            401: error_response(
                "`2fa_expired` (no password step in the last 10 minutes, or no unused "
                "challenge from `begin` in this session), `2fa_invalid` (the assertion does "
                "not verify: unknown passkey, origin, challenge, signature, or a signature "
                "counter that did not move forward)."
            ),
            403: error_response("`permission_denied`: an API key was sent."),
            429: error_response("`throttled`: 6 failed second factors per 20 minutes."),
        },
    )
    def post(self, request: Request) -> Response:
        """Second login step with a passkey, part 2: the assertion. Signs in (a new session,
        login method `password+passkey`)."""
        serializer = PasskeyAssertionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = login_flow.pending_password_step(request)
        challenge = (
            passkey_ceremony.take_challenge(request.session, purpose=Purpose.LOGIN, user_id=user.pk)
            if user is not None
            else None
        )
        if user is None or challenge is None:
            throttling.refund_attempt(request)  # nothing was checked
            raise errors.SecondFactorExpiredError
        meta = request_meta(request)
        passkey = passkeys.verify_passkey(
            user=user,
            credential=serializer.validated_data["credential"],
            challenge=challenge,
            meta=meta,
        )
        if passkey is None:
            security_events.record(
                type=SecurityEvent.Type.SECOND_FACTOR_FAILED,
                user=user,
                meta=meta,
                context={"method": "passkey"},
            )
            raise errors.SecondFactorInvalidError()
        throttling.refund_attempt(request)
        login_flow.forget_password_step(request)
        login_flow.start_session(request, user, method=LoginSession.Method.PASSWORD_PASSKEY)
        security_events.record(
            type=SecurityEvent.Type.LOGIN_SUCCEEDED,
            user=user,
            meta=meta,
            context={"second_factor": "passkey"},
        )
        return Response(
            UserSerializer(
                User.objects.get_for_representation(user.pk), context={"request": request}
            ).data
        )
