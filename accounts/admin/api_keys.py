"""Personal API keys in the admin: read-only, revocable through the API's own service."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import PersonalAPIKey
from accounts.services import api_keys as api_key_services
from users_api.request_meta import request_meta


@admin.register(PersonalAPIKey)
class PersonalAPIKeyAdmin(admin.ModelAdmin):
    list_display = ["label", "mask_value", "scopes", "last_used_at", "expires_at", "user"]
    list_filter = ["created_at", "last_used_at"]
    search_fields = ["label", "user__email", "mask_value"]
    list_select_related = ["user"]
    # ``secure_value`` (the digest) is deliberately absent: it is of no use to a person.
    fields = [
        "id",
        "user",
        "label",
        "mask_value",
        "scopes",
        "created_at",
        "last_used_at",
        "last_rolled_at",
        "expires_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are minted by their owner through the API, value shown once

    def has_change_permission(
        self, request: HttpRequest, obj: PersonalAPIKey | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: PersonalAPIKey | None = None
    ) -> bool:
        return False  # deleting goes through "revoke", which records a security event

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.delete_personalapikey")

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[PersonalAPIKey]) -> None:
        meta = request_meta(request)
        keys = list(queryset.select_related("user"))
        for key in keys:
            api_key_services.revoke_key(key=key, meta=meta, revoked_by=request.user)
        self.message_user(request, f"Revoked {len(keys)} key(s).", messages.SUCCESS)
