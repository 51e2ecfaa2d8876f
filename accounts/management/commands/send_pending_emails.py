"""Deliver the outbox emails that are due: the retry path without (or besides) a Celery beat.

Run it from cron every minute or less, or keep it running with ``--every SECONDS``. Several runs
at once are safe: each row is locked while it is sent and marked sent in that transaction.
"""

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from outbox import delivery


class Command(BaseCommand):
    help = "Send the pending outbox emails whose retry time has come; prune old sent ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="keep running, sending what is due every SECONDS (default: once, then exit)",
        )

    def handle(self, *args: Any, every: float = 0, **options: Any) -> None:
        while True:
            counts = delivery.deliver_due()
            delivery.prune(older_than=timedelta(days=settings.EMAIL_OUTBOX_KEEP_DAYS))
            summary = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n)
            if summary or options["verbosity"] > 1:
                self.stdout.write(f"outbox: {summary or 'nothing due'}")
            if every <= 0:
                return
            time.sleep(every)
