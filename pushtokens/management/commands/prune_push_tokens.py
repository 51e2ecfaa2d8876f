from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pushtokens import services


class Command(BaseCommand):
    help = "Delete push tokens not seen for PUSH_TOKEN_STALE_DAYS days (or --days)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Override PUSH_TOKEN_STALE_DAYS (currently {settings.PUSH_TOKEN_STALE_DAYS}).",
        )

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        removed = services.prune_stale_push_tokens(days=days)
        self.stdout.write(f"Removed {removed} stale push token(s).")
