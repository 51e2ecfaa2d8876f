"""Admin of organizations and what hangs off them: teams, memberships, invites, dashboards."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from organizations import services
from organizations.models import (
    Dashboard,
    Organization,
    OrganizationInvite,
    OrganizationMembership,
    Team,
)


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ("name", "uuid", "created_at")
    readonly_fields = ("uuid", "created_at")
    show_change_link = True


class OrganizationMembershipInline(admin.TabularInline):
    model = OrganizationMembership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "level", "joined_at")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "id", "created_at")
    search_fields = ("name", "slug", "=id")
    list_filter = ("created_at",)
    readonly_fields = ("id",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (TeamInline, OrganizationMembershipInline)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "organization", "created_at")
    list_select_related = ("organization",)
    search_fields = ("name", "=uuid", "organization__name")
    list_filter = ("created_at",)
    readonly_fields = ("uuid",)
    autocomplete_fields = ("organization",)


@admin.register(OrganizationMembership)
class OrganizationMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "level", "joined_at")
    list_select_related = ("user", "organization")
    list_filter = ("level",)
    search_fields = ("user__email", "organization__name")
    autocomplete_fields = ("user", "organization")


# --- Invites and dashboards ------------------------------------------------------------------


@admin.register(OrganizationInvite)
class OrganizationInviteAdmin(admin.ModelAdmin):
    """Read-only except deletion: invites are created through the API, which sends the email."""

    list_display = [
        "target_email",
        "organization",
        "level",
        "is_setup_delegation",
        "created_by",
        "created_at",
        "expired",
    ]
    list_filter = ["is_setup_delegation", "level", "created_at"]
    search_fields = ["target_email", "organization__name", "created_by__email"]
    list_select_related = ["organization", "created_by"]
    raw_id_fields = ["organization", "created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    @admin.display(boolean=True, description="expired")
    def expired(self, invite: OrganizationInvite) -> bool:
        return invite.is_expired

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: OrganizationInvite | None = None
    ) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: OrganizationInvite) -> None:
        self.delete_queryset(request, OrganizationInvite.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OrganizationInvite]) -> None:
        # Through the service, so a pending setup delegation is undone like over the API.
        for invite_id in list(queryset.values_list("pk", flat=True)):
            try:
                services.revoke_invite(invite_id=invite_id)
            except OrganizationInvite.DoesNotExist:
                continue  # accepted or revoked concurrently


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "team__organization", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["name", "team__name", "team__organization__name"]
    list_select_related = ["team__organization"]
    raw_id_fields = ["team"]
    ordering = ["-created_at"]
