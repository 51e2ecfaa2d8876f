"""Input and output shapes of the organization routes."""

from rest_framework import serializers

from organizations.models import OrganizationInvite


class DelegateSetupSerializer(serializers.Serializer):
    target_email = serializers.EmailField(max_length=254)
    message = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, allow_null=True, default=""
    )
    step_at_delegation = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, default=""
    )

    def validate_message(self, value: str | None) -> str:
        return value or ""

    def validate_step_at_delegation(self, value: str | None) -> str:
        return value or ""


class OrganizationInviteSerializer(serializers.ModelSerializer):
    is_expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = OrganizationInvite
        fields = [
            "id",
            "target_email",
            "level",
            "is_setup_delegation",
            "message",
            "created_at",
            "is_expired",
        ]
        read_only_fields = fields
