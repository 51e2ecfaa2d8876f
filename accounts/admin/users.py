"""User admin: find accounts, edit profiles and staff status, reset passwords.

Passwords go through Django's own change form; nothing secret (password hash, session
generation) is shown.
"""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.http import HttpRequest

from accounts.admin.login_sessions import LoginSessionInline, end_all_sessions_action
from accounts.models import User
from organizations.models import OrganizationMembership


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = OrganizationMembership
    extra = 0
    autocomplete_fields = ("organization",)
    fields = ("organization", "level", "joined_at")
    verbose_name = "organization membership"


_ONBOARDING_FIELDS = (
    "onboarding_skipped_at",
    "onboarding_skipped_reason",
    "onboarding_skipped_organization",
    "onboarding_delegated_to_invite",
    "onboarding_delegated_to_organization",
    "onboarding_delegation_accepted_at",
)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = (
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "is_email_verified",
        "date_joined",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "is_email_verified", "date_joined")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("-date_joined",)
    date_hierarchy = "date_joined"
    autocomplete_fields = ("current_organization", "current_team")
    inlines = (MembershipInline, LoginSessionInline)
    actions = (end_all_sessions_action,)
    readonly_fields = (
        "uuid",
        "distinct_id",
        "pending_email",
        "last_login",
        "date_joined",
        *_ONBOARDING_FIELDS,
    )
    fieldsets = (
        (None, {"fields": ("email", "password", "uuid", "distinct_id")}),
        ("Profile", {"fields": ("first_name", "last_name", "role_at_organization")}),
        ("Email verification", {"fields": ("is_email_verified", "pending_email")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Current context", {"fields": ("current_organization", "current_team")}),
        (
            "Preferences",
            {
                "classes": ("collapse",),
                "fields": (
                    "notification_settings",
                    "anonymize_data",
                    "allow_impersonation",
                    "toolbar_mode",
                    "theme_mode",
                    "shortcut_position",
                    "allow_sidebar_suggestions",
                    "passkeys_enabled_for_2fa",
                    "events_column_config",
                    "has_seen_product_intro_for",
                    "hedgehog_config",
                ),
            },
        ),
        ("Onboarding", {"fields": _ONBOARDING_FIELDS}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_inlines(self, request: HttpRequest, obj: User | None) -> tuple:
        # The add form is Django's short email + password form; memberships come after.
        return self.inlines if obj is not None else ()
