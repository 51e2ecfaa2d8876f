"""Input of the onboarding endpoints (docs/api.md §2.1, §2.4)."""

from rest_framework import serializers

from accounts.models import User
from organizations.models import Dashboard

Reason = User.OnboardingSkippedReason


class OnboardingSkipSerializer(serializers.Serializer):
    # ``delegated`` is deliberately absent: only the delegate endpoint may set it.
    reason = serializers.ChoiceField(choices=[Reason.LATER, Reason.OTHER])
    step_at_skip = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, default=""
    )

    def validate_step_at_skip(self, value: str | None) -> str:
        return value or ""


class SceneDashboardPinSerializer(serializers.Serializer):
    """Needs ``user`` (the target user) in the context: the dashboard must be in their team."""

    scene = serializers.CharField(max_length=200)
    dashboard = serializers.IntegerField(help_text="Id of a dashboard of the user's current team.")

    def validate_dashboard(self, value: int) -> Dashboard:
        dashboard = Dashboard.objects.filter(pk=value).first()
        if dashboard is None:
            raise serializers.ValidationError("No such dashboard.", code="does_not_exist")
        if dashboard.team_id != self.context["user"].current_team_id:
            raise serializers.ValidationError(
                "The dashboard must belong to the user's current team.", code="invalid"
            )
        return dashboard
