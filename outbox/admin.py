"""Staff see the outbox: what was sent, what waits and why. The sealed context is never shown."""

from django.contrib import admin
from django.http import HttpRequest

from outbox.models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["id", "template", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "=id"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    # No sealed_context: it may carry a verification code or a reset link.
    fields = [
        "id",
        "template",
        "to",
        "status",
        "created_at",
        "expires_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxEmail | None = None) -> bool:
        return False
