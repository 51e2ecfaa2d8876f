"""The user representation (docs/api.md §2.13), shared by every endpoint that answers with
a user.
"""

import uuid
from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import freshness, notifications
from accounts.models import User, UserScenePersonalisation
from accounts.models.user import FIRST_MEMBER_ID, HAS_CONFIRMED_DEVICE, MEMBERSHIPS, SCENE_PINS
from organizations.models import Organization, OrganizationMembership, Team
from users_api.representation import ReadPlanMixin


class CurrentOrganizationSerializer(ReadPlanMixin, serializers.ModelSerializer):
    membership_level = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "membership_level", "created_at"]

    @extend_schema_field(
        serializers.ChoiceField(choices=OrganizationMembership.Level.choices, allow_null=True)
    )
    def get_membership_level(self, organization: Organization) -> int | None:
        return self.context["membership_levels"].get(organization.pk)


class MembershipOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    slug = serializers.CharField(source="organization.slug")
    membership_level = serializers.ChoiceField(
        source="level", choices=OrganizationMembership.Level.choices
    )


class CurrentTeamSerializer(ReadPlanMixin, serializers.ModelSerializer):
    organization = serializers.UUIDField(source="organization_id")

    class Meta:
        model = Team
        fields = ["id", "uuid", "organization", "name"]


class ScenePersonalisationSerializer(ReadPlanMixin, serializers.ModelSerializer):
    dashboard = serializers.IntegerField(source="dashboard_id")

    class Meta:
        model = UserScenePersonalisation
        fields = ["scene", "dashboard"]


class UserSerializer(ReadPlanMixin, serializers.ModelSerializer):
    """A user account: profile, settings, organizations and onboarding state."""

    # Needs ``request`` in the context for the session ages, and users loaded through
    # ``User.objects.for_representation()``: it reads only what that loaded, never the database.

    notification_settings = serializers.SerializerMethodField(
        help_text="Every known setting: the defaults merged with the user's own choices."
    )
    has_password = serializers.SerializerMethodField(
        help_text="False for accounts without a usable password."
    )
    sensitive_session_expires_at = serializers.SerializerMethodField(
        help_text="Until when this session may make sensitive writes without re-authenticating "
        "(session callers looking at themselves; null otherwise)."
    )
    fresh_reauth_expires_at = serializers.SerializerMethodField(
        help_text="Until when this session may change the email address without "
        "re-authenticating (session callers looking at themselves; null otherwise)."
    )
    organization = serializers.SerializerMethodField(help_text="The current organization.")
    organizations = serializers.SerializerMethodField(
        help_text="Every organization the user belongs to."
    )
    team = CurrentTeamSerializer(
        source="current_team", read_only=True, allow_null=True, help_text="The current team."
    )
    is_2fa_enabled = serializers.SerializerMethodField()
    scene_personalisation = serializers.SerializerMethodField()
    shortcut_position = serializers.SerializerMethodField()
    onboarding_skipped_organization_id = serializers.UUIDField(read_only=True, allow_null=True)
    onboarding_delegated_to_invite = serializers.UUIDField(
        source="onboarding_delegated_to_invite_id", read_only=True, allow_null=True
    )
    onboarding_delegated_to_organization_id = serializers.UUIDField(read_only=True, allow_null=True)
    is_organization_first_user = serializers.SerializerMethodField(
        help_text="The user created their current organization rather than joining it."
    )

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

    def _memberships(self, user: User) -> list[dict[str, Any]]:
        """The memberships ``for_representation`` loaded, oldest first."""
        memberships = getattr(user, MEMBERSHIPS)
        memberships.sort(key=lambda m: (m["joined_at"], m["membership_id"]))
        return memberships

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
        return notifications.merged_notification_settings(user.notification_settings)

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
        levels = {uuid.UUID(m["id"]): m["level"] for m in self._memberships(user)}
        return CurrentOrganizationSerializer(
            user.current_organization, context={"membership_levels": levels}
        ).data

    @extend_schema_field(MembershipOrganizationSerializer(many=True))
    def get_organizations(self, user: User) -> list[dict]:
        return [
            {
                "id": str(uuid.UUID(m["id"])),
                "name": m["name"],
                "slug": m["slug"],
                "membership_level": m["level"],
            }
            for m in self._memberships(user)
        ]

    @extend_schema_field(ScenePersonalisationSerializer(many=True))
    def get_scene_personalisation(self, user: User) -> list[dict]:
        pins = sorted(getattr(user, SCENE_PINS), key=lambda pin: pin["id"])
        return [{"scene": pin["scene"], "dashboard": pin["dashboard"]} for pin in pins]

    def get_is_2fa_enabled(self, user: User) -> bool:
        # Turning passkeys on needs a passkey, and removing the last one turns them off.
        return bool(getattr(user, HAS_CONFIRMED_DEVICE)) or user.passkeys_enabled_for_2fa

    @extend_schema_field(serializers.ChoiceField(choices=User.ShortcutPosition.choices))
    def get_shortcut_position(self, user: User) -> str:
        return user.shortcut_position or User.ShortcutPosition.ABOVE

    def get_is_organization_first_user(self, user: User) -> bool:
        """The user created the current organization: they are its earliest member."""
        if user.current_organization_id is None:
            return False
        return getattr(user, FIRST_MEMBER_ID) == user.pk


class _QueryBooleanField(serializers.BooleanField):
    # A query string's absent boolean is absent (DRF reads an absent form checkbox as False, and
    # an empty value as absent); an empty value is refused like any other non-boolean.
    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, serializers.empty)


class UserListQuerySerializer(serializers.Serializer):
    """Filters of the user list (staff; a non-staff caller's page only ever holds themselves)."""

    email = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="Exact address (case-insensitive).",
    )
    is_staff = _QueryBooleanField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        # A query string may name a parameter twice; reading one of the values (Django's QueryDict
        # gives the last) would let `?is_staff=x&is_staff=` pass a value that is refused alone.
        repeated = [name for name in self.fields if len(getattr(data, "getlist", list)(name)) > 1]
        if repeated:
            raise serializers.ValidationError(
                {repeated[0]: ["Give this parameter once."]}, code="invalid"
            )
        return super().to_internal_value(data)
