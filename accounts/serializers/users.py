"""The user representation (SPEC §2.13), shared by every endpoint that answers with a user."""

from datetime import datetime
from typing import Any

from django_otp import user_has_device
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import freshness
from accounts.models import User, UserScenePersonalisation
from accounts.notifications import merged_notification_settings
from organizations.models import Organization, OrganizationMembership, Team


class CurrentOrganizationSerializer(serializers.ModelSerializer):
    membership_level = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "membership_level", "created_at"]

    def get_membership_level(self, organization: Organization) -> int | None:
        return self.context["membership_levels"].get(organization.pk)


class MembershipOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    slug = serializers.CharField(source="organization.slug")
    membership_level = serializers.IntegerField(source="level")


class CurrentTeamSerializer(serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id")

    class Meta:
        model = Team
        fields = ["id", "uuid", "organization", "name"]


class ScenePersonalisationSerializer(serializers.ModelSerializer):
    dashboard = serializers.IntegerField(source="dashboard_id")

    class Meta:
        model = UserScenePersonalisation
        fields = ["scene", "dashboard"]


class UserSerializer(serializers.ModelSerializer):
    """Read side of the user resource. Needs ``request`` in the context for the session ages."""

    notification_settings = serializers.SerializerMethodField()
    has_password = serializers.SerializerMethodField()
    sensitive_session_expires_at = serializers.SerializerMethodField()
    fresh_reauth_expires_at = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()
    organizations = serializers.SerializerMethodField()
    team = CurrentTeamSerializer(source="current_team", read_only=True, allow_null=True)
    is_2fa_enabled = serializers.SerializerMethodField()
    scene_personalisation = ScenePersonalisationSerializer(many=True, read_only=True)
    shortcut_position = serializers.SerializerMethodField()
    onboarding_skipped_organization_id = serializers.UUIDField(read_only=True, allow_null=True)
    onboarding_delegated_to_invite = serializers.UUIDField(
        source="onboarding_delegated_to_invite_id", read_only=True, allow_null=True
    )
    onboarding_delegated_to_organization_id = serializers.UUIDField(read_only=True, allow_null=True)
    is_organization_first_user = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "uuid",
            "distinct_id",
            "date_joined",
            "first_name",
            "last_name",
            "email",
            "pending_email",
            "is_email_verified",
            "notification_settings",
            "anonymize_data",
            "allow_impersonation",
            "toolbar_mode",
            "has_password",
            "is_staff",
            "sensitive_session_expires_at",
            "fresh_reauth_expires_at",
            "team",
            "organization",
            "organizations",
            "events_column_config",
            "is_2fa_enabled",
            "has_seen_product_intro_for",
            "scene_personalisation",
            "theme_mode",
            "hedgehog_config",
            "allow_sidebar_suggestions",
            "shortcut_position",
            "role_at_organization",
            "passkeys_enabled_for_2fa",
            "onboarding_skipped_at",
            "onboarding_skipped_reason",
            "onboarding_skipped_organization_id",
            "onboarding_delegated_to_invite",
            "onboarding_delegated_to_organization_id",
            "onboarding_delegation_accepted_at",
            "is_organization_first_user",
        ]
        read_only_fields = fields

    def _memberships(self, user: User) -> list[OrganizationMembership]:
        cache = self.context.setdefault("_memberships", {})
        if user.pk not in cache:
            cache[user.pk] = list(
                OrganizationMembership.objects.filter(user=user)
                .select_related("organization")
                .order_by("joined_at")
            )
        return cache[user.pk]

    def _session(self) -> Any:
        request = self.context.get("request")
        # Only a session caller looking at their own account has session ages.
        if request is None or request.auth is not None:
            return None
        return getattr(request, "session", None)

    def _is_caller(self, user: User) -> bool:
        request = self.context.get("request")
        return request is not None and request.user.pk == user.pk

    @extend_schema_field(serializers.DictField())
    def get_notification_settings(self, user: User) -> dict:
        return merged_notification_settings(user.notification_settings)

    def get_has_password(self, user: User) -> bool:
        return user.has_usable_password()

    def get_sensitive_session_expires_at(self, user: User) -> datetime | None:
        session = self._session()
        return (
            freshness.sensitive_expires_at(session) if session and self._is_caller(user) else None
        )

    def get_fresh_reauth_expires_at(self, user: User) -> datetime | None:
        session = self._session()
        return freshness.fresh_expires_at(session) if session and self._is_caller(user) else None

    @extend_schema_field(CurrentOrganizationSerializer(allow_null=True))
    def get_organization(self, user: User) -> dict | None:
        if user.current_organization is None:
            return None
        levels = {m.organization_id: m.level for m in self._memberships(user)}
        return CurrentOrganizationSerializer(
            user.current_organization, context={"membership_levels": levels}
        ).data

    @extend_schema_field(MembershipOrganizationSerializer(many=True))
    def get_organizations(self, user: User) -> list[dict]:
        return MembershipOrganizationSerializer(self._memberships(user), many=True).data

    def get_is_2fa_enabled(self, user: User) -> bool:
        return user_has_device(user, confirmed=True)

    @extend_schema_field(serializers.ChoiceField(choices=User.ShortcutPosition.choices))
    def get_shortcut_position(self, user: User) -> str:
        return user.shortcut_position or User.ShortcutPosition.ABOVE

    def get_is_organization_first_user(self, user: User) -> bool:
        """The user created the current organization: they are its earliest member."""
        if user.current_organization_id is None:
            return False
        first = (
            OrganizationMembership.objects.filter(organization_id=user.current_organization_id)
            .order_by("joined_at", "id")
            .values_list("user_id", flat=True)
            .first()
        )
        return first == user.pk
