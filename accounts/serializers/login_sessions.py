"""Shapes of the login-sessions endpoints (docs/api.md §2.17)."""

from rest_framework import serializers

from accounts.models import LoginSession


class LoginSessionSerializer(serializers.ModelSerializer):
    last_activity = serializers.DateTimeField(source="last_activity_at", read_only=True)
    is_current = serializers.SerializerMethodField()
    login_method = serializers.ChoiceField(
        choices=LoginSession.Method.choices,
        read_only=True,
        help_text="How the session was opened. `reset` is reserved: a password reset never "
        "signs in.",
    )

    class Meta:
        model = LoginSession
        fields = [
            "id",
            "created_at",
            "last_activity",
            "ip",
            "device",
            "login_method",
            "is_current",
        ]
        read_only_fields = fields

    def get_is_current(self, obj: LoginSession) -> bool:
        return str(obj.pk) == self.context.get("current_id")


class LoginSessionsRevokedSerializer(serializers.Serializer):
    revoked_count = serializers.IntegerField()
