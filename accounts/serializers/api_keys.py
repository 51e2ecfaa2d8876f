"""Personal API keys in and out (docs/api.md §2.15). ``value`` appears only after create
and roll.
"""

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import PersonalAPIKey
from accounts.models.api_keys import Scope


def _validate_scopes(value: list[str]) -> list[str]:
    unknown = [scope for scope in value if scope not in Scope.values]
    if unknown:
        # One error for the whole field (attr=scopes), naming what is allowed.
        raise serializers.ValidationError(
            f"Unknown scope {unknown[0]!r}; allowed: {', '.join(Scope.values)}.",
            code="invalid_choice",
        )
    return list(dict.fromkeys(value))


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": Scope.values},
        "minItems": 1,
        "maxItems": len(Scope.values),
    }
)
class ScopesField(serializers.ListField):
    """The schema names the scopes (``_validate_scopes`` refuses others with one error)."""


def _scopes_field(*, required: bool) -> serializers.ListField:
    return ScopesField(
        child=serializers.CharField(max_length=32),
        allow_empty=False,
        max_length=len(Scope.values),
        required=required,
        help_text=f"Non-empty list of: {', '.join(Scope.values)}.",
    )


class PersonalAPIKeySerializer(serializers.ModelSerializer):
    """A key as list and retrieve show it: never the value."""

    class Meta:
        model = PersonalAPIKey
        fields = [
            "id",
            "label",
            "scopes",
            "mask_value",
            "created_at",
            "last_used_at",
            "last_rolled_at",
            "expires_at",
        ]
        read_only_fields = fields


class PersonalAPIKeyWithValueSerializer(PersonalAPIKeySerializer):
    """The answer of create and roll: the only time the full key is ever shown.

    The value is not on the row (only its digest is), so the view passes it in the context.
    """

    value = serializers.SerializerMethodField(method_name="get_key_value")

    class Meta(PersonalAPIKeySerializer.Meta):
        fields = [*PersonalAPIKeySerializer.Meta.fields, "value"]
        read_only_fields = fields

    def get_key_value(self, key: PersonalAPIKey) -> str:
        return self.context["value"]


class PersonalAPIKeyCreateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=40)
    scopes = _scopes_field(required=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_scopes(self, value: list[str]) -> list[str]:
        return _validate_scopes(value)

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.", code="invalid")
        return value


class PersonalAPIKeyUpdateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=40, required=False)
    scopes = _scopes_field(required=False)

    def validate_scopes(self, value: list[str]) -> list[str]:
        return _validate_scopes(value)
