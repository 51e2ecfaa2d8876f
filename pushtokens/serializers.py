"""Push-token request and response shapes. The token value is never part of a response."""

from typing import Any

from rest_framework import serializers

from pushtokens.models import PushToken
from users_api.representation import ReadPlanMixin

TOKEN_MAX_LENGTH = PushToken._meta.get_field("token").max_length


class TokenField(serializers.CharField):
    """A JSON string only: DRF's CharField would turn ``123`` into ``"123"``."""

    default_error_messages = {"invalid": "Expected a string."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=TOKEN_MAX_LENGTH, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            # A lone surrogate from a JSON "\ud800" escape cannot be stored (nor sent to APNs/FCM).
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("invalid")
        return super().to_internal_value(data)


class PushTokenRegistrationSerializer(serializers.Serializer):
    token = TokenField()
    platform = serializers.ChoiceField(choices=PushToken.Platform.choices)


class PushTokenUnregistrationSerializer(serializers.Serializer):
    token = TokenField()


class PushTokenSerializer(ReadPlanMixin, serializers.ModelSerializer):
    class Meta:
        model = PushToken
        fields = ["id", "platform", "created_at", "last_seen_at"]
        read_only_fields = fields
