from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import login_sessions


class Command(BaseCommand):
    help = "Delete expired sessions and the login-session rows of sessions that no longer exist."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = login_sessions.prune_expired_login_sessions()
        self.stdout.write(f"Removed {removed} login session(s).")
