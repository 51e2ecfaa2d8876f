"""Input of ``POST /api/signup/`` (docs/api.md §2.14)."""

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from accounts import errors
from accounts.models import User
from accounts.models.user import UserManager
from accounts.services import signup as signup_services
from organizations.models import Organization


class SignupSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    organization_name = serializers.CharField(
        max_length=Organization._meta.get_field("name").max_length,
        required=False,
        allow_blank=True,
        default="",
    )

    def validate_email(self, value: str) -> str:
        email = UserManager.normalize_email(value)
        if signup_services.email_is_taken(email):
            raise serializers.ValidationError(errors.SignUpEmailTakenError.detail, code="unique")
        return email

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Validators such as attribute similarity need the would-be user.
        candidate = User(
            email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"]
        )
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {"password": [ErrorDetail(e.messages[0], code=e.code) for e in exc.error_list]}
            ) from None
        return attrs
