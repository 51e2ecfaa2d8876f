"""Bodies of the password reset endpoints (docs/api.md §2.16)."""

from rest_framework import serializers

_TOKEN_HELP = "The token from the link in the reset email."  # noqa: S105 - help text


class PasswordResetRequestSerializer(serializers.Serializer):
    # Any string up to the address length: a malformed address is answered like an unknown one.
    email = serializers.CharField(max_length=254, help_text="The account's email address.")


class PasswordResetTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100, help_text=_TOKEN_HELP)


class PasswordResetSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100, help_text=_TOKEN_HELP)
    password = serializers.CharField(
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="The new password; the password validators apply.",
    )


class PasswordResetValidSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class PasswordResetDoneSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="The account's email address, to sign in with.")
