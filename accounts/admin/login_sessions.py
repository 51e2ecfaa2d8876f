"""Login sessions in the admin: see where a user is signed in and end sessions (docs/api.md
§2.17).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import LoginSession, User
from accounts.services import login_sessions
from users_api.request_meta import request_meta

_FIELDS = ["id", "user", "device", "ip", "login_method", "created_at", "last_activity_at"]


class LoginSessionInline(admin.TabularInline):
    """On the user page: the user's live sessions (ended from the login-session list)."""

    model = LoginSession
    extra = 0
    fields = ["device", "ip", "login_method", "created_at", "last_activity_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name = "login session"

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoginSession]:
        return super().get_queryset(request).live()

    def has_add_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    list_display = ["user", "device", "ip", "login_method", "created_at", "last_activity_at"]
    list_filter = ["login_method", "created_at", "last_activity_at"]
    search_fields = ["user__email", "ip", "device"]
    list_select_related = ["user"]
    # ``session_key`` is deliberately absent: it is a credential.
    fields = _FIELDS
    readonly_fields = _FIELDS
    actions = ["end_sessions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoginSession]:
        return super().get_queryset(request).live()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginSession | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LoginSession | None = None) -> bool:
        return False  # ending goes through "end_sessions", which clears the session store

    def has_end_sessions_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.delete_loginsession")

    @admin.action(description="End selected sessions", permissions=["end_sessions"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[LoginSession]) -> None:
        meta = request_meta(request)
        rows = list(queryset.select_related("user"))
        for row in rows:
            login_sessions.end_login_session(login_session=row, meta=meta, by=request.user)
        self.message_user(request, f"Ended {len(rows)} session(s).", messages.SUCCESS)


@admin.action(description="Sign out of every session", permissions=["change"])
def end_all_sessions_action(
    admin_: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> None:
    meta = request_meta(request)
    users = list(queryset)
    for user in users:
        login_sessions.end_all_login_sessions(user=user, meta=meta, by=request.user)
    admin_.message_user(request, f"Signed {len(users)} user(s) out everywhere.", messages.SUCCESS)
