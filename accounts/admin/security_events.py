"""Security events in the admin: browse and filter, never edit (an audit trail)."""

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "type", "user", "ip", "user_agent"]
    list_filter = ["type", "created_at"]
    search_fields = ["user__email", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = ["created_at", "type", "user", "ip", "user_agent", "context"]
    readonly_fields = fields
    show_full_result_count = False  # no COUNT(*) over a large, append-only table

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False
