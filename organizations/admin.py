"""Admin of organizations and what hangs off them (teams, memberships)."""

from django.contrib import admin

from organizations.models import Organization, OrganizationMembership, Team


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
