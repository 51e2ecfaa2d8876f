"""Bodies of the email verification endpoints (docs/api.md §2.11, §2.12)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import email_codes

# ``uuid`` is a plain string on purpose: a malformed value is answered like an unknown user
# (no 400 that would tell the two apart); only absurd lengths are refused.
_UUID_HELP = (
    "The `uuid` of the user (as in the user representation), or `@me` for the signed-in caller "
    "(without a session `@me` is a 400 `attr=uuid code=session_required`)."
)


# DRF's CharField also takes a JSON number and reads it as its decimal text.
_UUID_SCHEMA = {
    "anyOf": [
        {"type": "string", "maxLength": 200, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"},
        {"type": "number"},
    ]
}
_CODE_SCHEMA = {
    "anyOf": [
        {
            "type": "string",
            "maxLength": email_codes.MAX_INPUT_LENGTH,
            "pattern": email_codes.INPUT_PATTERN,
        },
        # A number is read as its text: six digits, the minus sign ignored like a hyphen.
        {"type": "integer", "minimum": 100_000, "maximum": 999_999},
        {"type": "integer", "minimum": -999_999, "maximum": -100_000},
    ]
}


@extend_schema_field(_UUID_SCHEMA)
class UserReferenceField(serializers.CharField):
    pass


@extend_schema_field(_CODE_SCHEMA)
class EmailCodeField(serializers.CharField):
    pass


class RequestEmailVerificationSerializer(serializers.Serializer):
    uuid = UserReferenceField(max_length=200, help_text=_UUID_HELP)


class VerifyEmailSerializer(serializers.Serializer):
    uuid = UserReferenceField(max_length=200, help_text=_UUID_HELP)
    code = EmailCodeField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=(
            "The 6-digit code from the email. Spaces, hyphens and invisible characters are "
            "ignored; non-ASCII digits are accepted."
        ),
    )

    def validate_code(self, value: str) -> str:
        code = email_codes.normalize(value)
        if code is None:
            raise serializers.ValidationError("Enter the 6-digit code.", code="invalid_input")
        return code


class EmailVerificationSentSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class EmailVerifiedSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    requires_2fa = serializers.BooleanField(
        required=False,
        help_text="Present (true) when the user must still log in with a second factor.",
    )
