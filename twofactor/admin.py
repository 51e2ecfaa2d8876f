"""Staff views of second factors: who has 2FA and when it was used; never a seed or a code."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django_otp import user_has_device

from accounts.admin import users as accounts_user_admin
from accounts.models import User
from twofactor.models import BackupCodeSet, TOTPDevice
from twofactor.services import setup, verification
from users_api.request_meta import request_meta


def disable_two_factor_for(request: HttpRequest, users: "QuerySet[User] | list[User]") -> int:
    """Disable 2FA for ``users`` through the same service as the API; return how many changed."""
    meta = request_meta(request)
    return sum(setup.disable_two_factor(user=user, meta=meta, by=request.user) for user in users)


@admin.display(boolean=True, description="2FA")
def two_factor_enabled(user: User) -> bool:
    """A ``list_display`` column for a User admin: whether the user has a confirmed device."""
    return user_has_device(user, confirmed=True)


def _users_of(queryset: QuerySet) -> list[User]:
    """The selected users, or the users of the selected rows (e.g. devices)."""
    if queryset.model is User:
        return list(queryset)
    return list(User.objects.filter(pk__in=queryset.values("user")))


@admin.action(description="Disable two-factor authentication for the selected users")
def disable_two_factor_action(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    """Usable on any admin whose rows are users or have a ``user`` (e.g. a User admin)."""
    users = _users_of(queryset)
    changed = disable_two_factor_for(request, users)
    modeladmin.message_user(
        request, f"Two-factor authentication disabled for {changed} user(s).", messages.SUCCESS
    )


@admin.action(description="Clear the two-factor lockout of the selected users")
def clear_two_factor_lockout_action(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    """Forget failed second-factor attempts (budget and back-off); one security event each."""
    users = _users_of(queryset)
    meta = request_meta(request)
    for user in users:
        verification.clear_lockout(user=user, meta=meta, by=request.user)
    modeladmin.message_user(
        request, f"Two-factor lockout cleared for {len(users)} user(s).", messages.SUCCESS
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are created and removed only through the two-factor services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "failures"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    # The seed (``key``) and the replay/drift state are deliberately not shown.
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "failures"]
    readonly_fields = fields
    actions = [clear_two_factor_lockout_action, disable_two_factor_action]

    @admin.display(description="Failed attempts", ordering="throttling_failure_count")
    def failures(self, device: TOTPDevice) -> int:
        return device.throttling_failure_count


@admin.register(BackupCodeSet)
class BackupCodeSetAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "total", "remaining"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", "created_at", "total", "remaining"]
    readonly_fields = fields
    actions = [disable_two_factor_action]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                code_count=Count("codes"),
                unused_count=Count("codes", filter=Q(codes__used_at__isnull=True)),
            )
        )

    @admin.display(description="Codes", ordering="code_count")
    def total(self, code_set: BackupCodeSet) -> int:
        return code_set.code_count

    @admin.display(description="Unused", ordering="unused_count")
    def remaining(self, code_set: BackupCodeSet) -> int:
        return code_set.unused_count


# The user admin lives in accounts, which must not know about two-factor; extend it from here
# (accounts' admin registers first: it comes earlier in INSTALLED_APPS).
admin.site.unregister(User)


@admin.register(User)
class UserWithTwoFactorAdmin(accounts_user_admin.UserAdmin):
    list_display = (*accounts_user_admin.UserAdmin.list_display, two_factor_enabled)
    actions = (
        *(accounts_user_admin.UserAdmin.actions or ()),
        clear_two_factor_lockout_action,
        disable_two_factor_action,
    )
