"""Input of the user resource's writes (docs/api.md §2.13): shapes, choices and checks, no effects.

``accounts.services.profile`` applies what these serializers validate.
"""

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from accounts import notifications, profile_rules, staff_powers
from accounts.models import Passkey, PersonalAPIKey, User
from accounts.serializers.fields import JSONObjectField
from organizations.models import Organization, Team


class NotificationSettingsField(JSONObjectField):
    """Only known keys, each with its default's JSON type (per-project maps hold booleans)."""

    default_error_messages = {
        "unknown_key": "Unknown notification setting.",
        "wrong_type": "Expected a value of type {expected}.",
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        errors: dict[str, serializers.ErrorDetail] = {}
        for key, item in value.items():
            default = notifications.DEFAULTS.get(key)
            if key not in notifications.DEFAULTS:
                errors[key] = self._error("unknown_key")
            elif type(item) is not type(default) or (
                isinstance(item, dict) and any(type(v) is not bool for v in item.values())
            ):
                errors[key] = self._error("wrong_type", expected=type(default).__name__)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def _error(self, code: str, **kwargs: Any) -> serializers.ErrorDetail:
        return serializers.ErrorDetail(self.error_messages[code].format(**kwargs), code=code)


class UserUpdateSerializer(serializers.Serializer):
    """Profile changes. Only the sent fields change; read-only fields in the body are ignored."""

    # ``instance`` is the target user, ``request`` in the context. Onboarding, verification and
    # id fields are not listed, so a PATCH cannot forge them. Who may change which field, and
    # with how recent a password proof, is ``accounts.profile_rules``; ``validate`` applies it
    # before anything else is checked. ``accounts.services.profile`` applies what passes.

    first_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    email = serializers.EmailField(
        max_length=254,
        required=False,
        help_text="Session callers with a fresh re-authentication only. The address is stored as "
        "`pending_email` and a code is sent to it; `email` changes on verification.",
    )
    notification_settings = NotificationSettingsField(
        required=False,
        help_text="Only the sent keys change. Unknown keys or values of the wrong type are a 400.",
    )
    anonymize_data = serializers.BooleanField(required=False, allow_null=True)
    allow_impersonation = serializers.BooleanField(required=False, allow_null=True)
    toolbar_mode = serializers.ChoiceField(choices=User.ToolbarMode.choices, required=False)
    is_staff = serializers.BooleanField(
        required=False,
        help_text="Only staff may send this field and only a superuser's fresh session may "
        "change it (403 otherwise; never an API key).",
    )
    set_current_organization = serializers.UUIDField(
        required=False,
        write_only=True,
        help_text="Id of an organization the user belongs to (else 400 `does_not_exist`). The "
        "current team moves to that organization's first team unless `set_current_team` is sent.",
    )
    set_current_team = serializers.IntegerField(
        required=False,
        write_only=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Id of a team of one of the user's organizations; sent with "
        "`set_current_organization` it must belong to it (else 400 `does_not_exist`).",
    )
    password = serializers.CharField(
        required=False,
        write_only=True,
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="New password (session callers only). Other sessions are signed out.",
    )
    current_password = serializers.CharField(
        required=False,
        write_only=True,
        max_length=4096,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Required with `password` when the account has a usable password.",
    )
    events_column_config = JSONObjectField(required=False)
    has_seen_product_intro_for = JSONObjectField(required=False, allow_null=True)
    theme_mode = serializers.ChoiceField(
        choices=User.ThemeMode.choices, required=False, allow_null=True
    )
    hedgehog_config = JSONObjectField(
        required=False, allow_null=True, help_text="Replaces the whole configuration."
    )
    allow_sidebar_suggestions = serializers.BooleanField(required=False, allow_null=True)
    shortcut_position = serializers.ChoiceField(
        choices=User.ShortcutPosition.choices, required=False, allow_null=True
    )
    role_at_organization = serializers.ChoiceField(
        choices=User.RoleAtOrganization.choices, required=False, allow_null=True
    )
    passkeys_enabled_for_2fa = serializers.BooleanField(
        required=False, help_text="Turning it on needs a registered passkey (400 `no_passkeys`)."
    )

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate_set_current_organization(self, value: Any) -> Organization:
        organization = Organization.objects.filter(
            pk=value, memberships__user=self.instance
        ).first()
        if organization is None:
            raise serializers.ValidationError(
                "You are not a member of this organization.", code="does_not_exist"
            )
        return organization

    def validate_set_current_team(self, value: int) -> Team:
        team = Team.objects.filter(pk=value, organization__memberships__user=self.instance).first()
        if team is None:
            raise serializers.ValidationError(
                "You do not have access to this team.", code="does_not_exist"
            )
        return team

    def validate_passkeys_enabled_for_2fa(self, value: bool) -> bool:
        if value and not Passkey.objects.filter(user=self.instance).exists():
            raise serializers.ValidationError(
                "Register a passkey before using passkeys for two-factor authentication.",
                code="no_passkeys",
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Who may change what comes first: a refused caller learns nothing about passwords or
        # which addresses are taken.
        self._check_rules(attrs)
        if attrs.get("email", self.instance.email) != self.instance.email:
            self._check_email_free(attrs["email"])
        organization, team = attrs.get("set_current_organization"), attrs.get("set_current_team")
        if (
            organization is not None
            and team is not None
            and team.organization_id != organization.pk
        ):
            raise serializers.ValidationError(
                {"set_current_team": "This team does not belong to that organization."},
                code="does_not_exist",
            )
        if "password" in attrs:
            self._check_password_change(attrs["password"], attrs.get("current_password"))
        return attrs

    def _check_rules(self, attrs: dict[str, Any]) -> None:
        request = self.context["request"]
        via_key = isinstance(request.auth, PersonalAPIKey)
        profile_rules.check_change(
            user=self.instance,
            changes=attrs,
            caller_is_staff=request.user.is_staff,
            caller_is_superuser=request.user.is_superuser,
            session=None if via_key else request.session,
        )
        staff_powers.check_may_act_on(
            request, self.instance, sensitive=bool(profile_rules.hands_over(self.instance, attrs))
        )

    def _check_email_free(self, email: str) -> None:
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise serializers.ValidationError(
                {"email": "Another account uses this email address."}, code="unique"
            )

    def _check_password_change(self, password: str, current_password: str | None) -> None:
        user = self.instance
        if user.has_usable_password():
            if not current_password:
                raise serializers.ValidationError(
                    {"current_password": "Your current password is required."}, code="required"
                )
            if not user.check_password(current_password):
                raise serializers.ValidationError(
                    {"current_password": "Your current password is incorrect."},
                    code="incorrect_password",
                )
        try:
            password_validation.validate_password(password, user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": get_error_detail(exc)}) from exc
