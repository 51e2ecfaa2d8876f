"""Background delivery of the outbox (see ``outbox.delivery``).

``send_templated_email`` is queued after commit with the row's id and makes one attempt; while
the SMTP server fails it retries itself at the row's ``next_attempt_at`` (at most
``EMAIL_MAX_RETRIES`` times). ``send_pending_emails`` (beat, every
``EMAIL_OUTBOX_SWEEP_SECONDS``) sends whatever else is due: emails whose task was lost, that ran
out of retries, or that the web process could not send without a broker. A row is sent once
whatever runs it: ``deliver`` locks it and marks it sent in one transaction.

The task names are the ones queued messages and beat schedules already carry (the tasks lived in
``accounts.tasks`` before the outbox had its own app).
"""

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from outbox import delivery
from outbox.models import OutboxEmail

logger = logging.getLogger(__name__)


@shared_task(
    name="accounts.tasks.send_templated_email", bind=True, acks_late=True, ignore_result=True
)
def send_templated_email(self: Any, *, message_id: str, **legacy: Any) -> None:
    if legacy and not OutboxEmail.objects.filter(pk=message_id).exists():
        # A task queued by the version before the outbox (template, to, sealed_context): keep
        # it in the outbox like any other email.
        OutboxEmail.objects.get_or_create(
            pk=message_id,
            defaults={
                "template": legacy["template"],
                "to": legacy["to"],
                "sealed_context": legacy["sealed_context"],
            },
        )
    outcome = delivery.deliver(message_id)
    if outcome is delivery.Outcome.RETRY and not self.request.is_eager:
        row = OutboxEmail.objects.filter(pk=message_id).only("next_attempt_at").first()
        if row is not None and self.request.retries < settings.EMAIL_MAX_RETRIES:
            countdown = max(0.0, (row.next_attempt_at - timezone.now()).total_seconds())
            raise self.retry(countdown=countdown, max_retries=settings.EMAIL_MAX_RETRIES)
        # Out of retries: the row stays pending for send_pending_emails.


@shared_task(name="accounts.tasks.send_pending_emails", acks_late=True, ignore_result=True)
def send_pending_emails() -> None:
    """Beat: deliver the outbox rows that are due, then prune old delivered ones."""
    counts = delivery.deliver_due()
    delivery.prune(older_than=timedelta(days=settings.EMAIL_OUTBOX_KEEP_DAYS))
    if any(counts.values()):
        logger.info("outbox: %s", {o.value: n for o, n in counts.items() if n})
