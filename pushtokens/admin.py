"""Staff browse push tokens by user, platform and last use; tokens are shown masked."""

from django.contrib import admin
from django.http import HttpRequest

from pushtokens.models import PushToken


@admin.register(PushToken)
class PushTokenAdmin(admin.ModelAdmin):
    list_display = ["masked_token", "user", "platform", "last_seen_at", "created_at"]
    list_filter = ["platform"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    ordering = ["-last_seen_at"]
    # The token itself is a device secret: the change page shows the masked form only.
    fields = ["id", "user", "platform", "masked_token", "created_at", "last_seen_at"]
    # Rows come from devices through the API; staff may inspect and delete them, not edit.
    readonly_fields = fields

    @admin.display(description="token")
    def masked_token(self, push_token: PushToken) -> str:
        return push_token.masked_token

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PushToken | None = None) -> bool:
        return False
