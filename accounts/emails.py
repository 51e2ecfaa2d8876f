"""Queue templated emails through the transactional outbox (``outbox.models.OutboxEmail``).

``queue()`` writes the email as a row in the caller's database transaction: a rollback sends
nothing, and a committed change always has its email. After commit the row is handed to the
worker (``outbox.tasks.send_templated_email``), or, without a broker (or with the broker down),
delivered by this process at once. Whatever fails then (SMTP down, worker gone) stays pending in
the table and is retried (``outbox.delivery``) until the SMTP server accepts it.

Templates live in ``accounts/templates/emails/``. The context is stored sealed
(``users_api.encryption``) because it may carry a verification code. A context with
``expires_minutes`` (a code or link that stops working) makes the email expire too.
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from outbox import delivery
from outbox.models import OutboxEmail
from outbox.tasks import send_templated_email
from users_api import encryption

logger = logging.getLogger(__name__)


def queue(*, template: str, to: str, context: dict[str, Any]) -> None:
    """Send ``template`` to ``to`` once the surrounding transaction commits.

    ``context`` must be JSON-serialisable and hold no secret other than what the email must
    carry (e.g. a verification code). An ``expires_minutes`` entry says how long that code or
    link works: an email not delivered by then is dropped.
    """
    now = timezone.now()
    minutes = context.get("expires_minutes")
    expires_at = now + timedelta(minutes=minutes) if isinstance(minutes, int | float) else None
    row = OutboxEmail.objects.create(
        template=template,
        to=to,
        sealed_context=encryption.seal(context),
        created_at=now,
        next_attempt_at=now,
        expires_at=expires_at,
    )
    transaction.on_commit(partial(_dispatch, str(row.pk)))


def _dispatch(message_id: str) -> None:
    """After commit: hand the email to the worker, or deliver it here without a broker."""
    # Without a broker (CELERY_TASK_ALWAYS_EAGER) this runs the task here, one attempt.
    try:
        send_templated_email.apply_async(kwargs={"message_id": message_id})
    except Exception as exc:  # any broker failure: kombu, redis and amqp errors differ
        # The request must not fail because the broker is down: one attempt here; the outbox
        # keeps the email for send_pending_emails if it fails.
        logger.warning(
            "email %s: broker unavailable (%s), sending inline", message_id, type(exc).__name__
        )
        _deliver_inline(message_id)


def _deliver_inline(message_id: str) -> None:
    try:
        delivery.deliver(message_id)
    except Exception:
        # The request already committed: never fail it. The row stays pending.
        logger.exception("email %s: inline delivery failed", message_id)
