"""Request and response shapes of the two-factor endpoints."""

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Passkey
from accounts.serializers.fields import JSONObjectField
from twofactor import backup_codes, totp
from users_api.representation import ReadPlanMixin

_MAX_INPUT = 64  # longer input is refused before any normalisation work
_WHITESPACE = re.compile(r"\s+")

_CODE_SCHEMA = {
    "oneOf": [
        {
            "type": "string",
            "maxLength": _MAX_INPUT,
            "pattern": r"^\s*(?:[0-9]\s*){6}$",
            "example": "123456",
        },
        {"type": "integer", "minimum": 0, "maximum": 999999},
    ]
}


@extend_schema_field(_CODE_SCHEMA)
class TOTPCodeField(serializers.Field):
    """Six digits as a string (spaces ignored) or a JSON integer 0-999999 (zero-padded)."""

    default_error_messages = {"invalid": "Enter the 6-digit code from your authenticator app."}

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, int) and not isinstance(data, bool):
            if 0 <= data <= 999_999:
                return f"{data:06d}"
        elif isinstance(data, str) and len(data) <= _MAX_INPUT:
            value = self.normalize(data)
            if value is not None:
                return value
        self.fail("invalid")
        raise AssertionError("unreachable")  # fail() always raises

    def normalize(self, data: str) -> str | None:
        value = _WHITESPACE.sub("", data)
        return value if totp.is_code(value) else None

    def to_representation(self, value: str) -> str:
        return value


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "string",
                "maxLength": _MAX_INPUT,
                # Spaces and hyphens anywhere; six digits or eight of a-z2-7 in either case.
                "pattern": r"^[\s-]*(?:(?:[0-9][\s-]*){6}|(?:[a-zA-Z2-7][\s-]*){8})$",
                "example": "123456",
                "description": "TOTP code or backup code",
            },
            {"type": "integer", "minimum": 0, "maximum": 999999},
        ]
    }
)
class SecondFactorCodeField(TOTPCodeField):
    """A TOTP code (as above) or a backup code: 8 of ``a-z2-7``, any case, spaces/hyphens ok."""

    default_error_messages = {
        "invalid": "Enter the 6-digit code from your authenticator app or a backup code."
    }

    def normalize(self, data: str) -> str | None:
        value = backup_codes.normalize(data)
        return value if totp.is_code(value) or backup_codes.is_code(value) else None


@extend_schema_field({"type": "object", "additionalProperties": True})
class CredentialField(JSONObjectField):
    """A WebAuthn response as JSON; the ceremony checks everything inside it."""


class TwoFactorSetupSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    secret = serializers.CharField(help_text="Base32 secret (32 characters), for manual entry.")
    otpauth_uri = serializers.CharField()
    qr_code_svg = serializers.CharField(help_text="The otpauth URI as an inline SVG QR code.")


class TwoFactorValidateSerializer(serializers.Serializer):
    token = TOTPCodeField()


class TwoFactorSuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class TwoFactorStatusSerializer(ReadPlanMixin, serializers.Serializer):
    is_enabled = serializers.BooleanField()
    # A plain string rather than a choice field: drf-spectacular would name the enum after the
    # field ("MethodEnum"), a name other apps' serializers could also claim.
    method = serializers.CharField(allow_null=True, help_text='"TOTP", "passkey" or null.')
    has_totp = serializers.BooleanField()
    has_passkeys = serializers.BooleanField()
    passkeys_enabled_for_2fa = serializers.BooleanField()
    backup_codes_remaining = serializers.IntegerField()


class TwoFactorBackupCodesSerializer(serializers.Serializer):
    backup_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Ten single-use codes, shown only this once."
    )


class LoginTokenSerializer(serializers.Serializer):
    token = SecondFactorCodeField()


class ReauthenticateSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    token = SecondFactorCodeField(
        required=False,
        allow_null=True,
        help_text="Required when the account has two-factor authentication (or `passkey`).",
    )
    passkey = CredentialField(
        required=False,
        allow_null=True,
        help_text="Instead of `token` when passkeys are turned on as the second factor: the "
        "assertion for the challenge of `POST /api/reauthenticate/passkey/begin/`.",
    )


class ReauthenticatedSerializer(serializers.Serializer):
    fresh_reauth_expires_at = serializers.DateTimeField()
    sensitive_session_expires_at = serializers.DateTimeField()


# --- Passkeys (docs/api.md §2.18) ---------------------------------------------------------------

_CREDENTIAL_HELP = (
    "The `PublicKeyCredential` from `navigator.credentials.{verb}()` as JSON (WebAuthn Level 3 "
    "`toJSON()`): `id`, `rawId`, `type`, `response` with base64url fields."
)


class PasskeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at", "backed_up", "transports"]
        read_only_fields = fields


class PasskeyRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)


class PasskeyRegistrationSerializer(serializers.Serializer):
    credential = CredentialField(help_text=_CREDENTIAL_HELP.format(verb="create"))
    name = serializers.CharField(max_length=64, required=False, default="Passkey")


class PasskeyAssertionSerializer(serializers.Serializer):
    credential = CredentialField(help_text=_CREDENTIAL_HELP.format(verb="get"))
