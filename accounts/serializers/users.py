"""The user representation (SPEC §2.13), shared by every endpoint that answers with a user."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django_otp import device_classes, user_has_device
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import freshness, notifications
from accounts.models import User, UserScenePersonalisation
from organizations.models import Organization, OrganizationMembership, Team

# Set by ``with_representation_data``; the serializer falls back to a query without them.
_MEMBERSHIPS_ATTR = "representation_memberships"
_FIRST_MEMBER_ATTR = "current_organization_first_member_id"
# Context key: ids of the users (of a page) who have a confirmed second factor.
USERS_WITH_2FA = "users_with_2fa"


def with_representation_data(queryset: QuerySet[User]) -> QuerySet[User]:
    """Load what ``UserSerializer`` reads in three queries, whatever the number of users."""
    first_member = (
        OrganizationMembership.objects.filter(organization_id=OuterRef("current_organization_id"))
        .order_by("joined_at", "id")
        .values("user_id")[:1]
    )
    memberships = OrganizationMembership.objects.select_related("organization").order_by(
        "joined_at", "id"
    )
    return (
        queryset.select_related("current_organization", "current_team")
        .prefetch_related(
            Prefetch("organization_memberships", queryset=memberships, to_attr=_MEMBERSHIPS_ATTR),
            "scene_personalisation",
        )
        .annotate(**{_FIRST_MEMBER_ATTR: Subquery(first_member)})
    )


def load_for_representation(user: User) -> User:
    """Re-read one user with everything the representation needs (after a write, too)."""
    return with_representation_data(User.objects.filter(pk=user.pk)).get()


def users_with_2fa(users: Iterable[User]) -> set[int]:
    """Ids of ``users`` with a confirmed django-otp device: one query per device type."""
    ids = [user.pk for user in users]
    found: set[int] = set()
    for model in device_classes():
        found.update(
            model.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True)
        )
    return found


class CurrentOrganizationSerializer(serializers.ModelSerializer):
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
    """A user account: profile, settings, organizations and onboarding state."""

    # Needs ``request`` in the context for the session ages. Load users through
    # ``with_representation_data`` to keep the cost at a fixed number of queries; a list view
    # also puts ``users_with_2fa(page)`` in the context under ``USERS_WITH_2FA``.

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
    scene_personalisation = ScenePersonalisationSerializer(many=True, read_only=True)
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

    def _memberships(self, user: User) -> list[OrganizationMembership]:
        prefetched = getattr(user, _MEMBERSHIPS_ATTR, None)
        if prefetched is not None:
            return prefetched
        cache = self.context.setdefault("_memberships", {})
        if user.pk not in cache:
            cache[user.pk] = list(
                OrganizationMembership.objects.filter(user=user)
                .select_related("organization")
                .order_by("joined_at", "id")
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
        levels = {m.organization_id: m.level for m in self._memberships(user)}
        return CurrentOrganizationSerializer(
            user.current_organization, context={"membership_levels": levels}
        ).data

    @extend_schema_field(MembershipOrganizationSerializer(many=True))
    def get_organizations(self, user: User) -> list[dict]:
        return MembershipOrganizationSerializer(self._memberships(user), many=True).data

    def get_is_2fa_enabled(self, user: User) -> bool:
        known = self.context.get(USERS_WITH_2FA)
        if known is not None:
            return user.pk in known
        return user_has_device(user, confirmed=True)

    @extend_schema_field(serializers.ChoiceField(choices=User.ShortcutPosition.choices))
    def get_shortcut_position(self, user: User) -> str:
        return user.shortcut_position or User.ShortcutPosition.ABOVE

    def get_is_organization_first_user(self, user: User) -> bool:
        """The user created the current organization: they are its earliest member."""
        if user.current_organization_id is None:
            return False
        if hasattr(user, _FIRST_MEMBER_ATTR):
            return getattr(user, _FIRST_MEMBER_ATTR) == user.pk
        first = (
            OrganizationMembership.objects.filter(organization_id=user.current_organization_id)
            .order_by("joined_at", "id")
            .values_list("user_id", flat=True)
            .first()
        )
        return first == user.pk


class UserListQuerySerializer(serializers.Serializer):
    """Filters of the user list (staff; a non-staff caller's page only ever holds themselves)."""

    email = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="Exact address (case-insensitive).",
    )
    is_staff = serializers.BooleanField(required=False, allow_null=True, default=None)
