"""Queue templated emails through the transactional outbox (``outbox.models.OutboxEmail``).

``queue()`` writes the email as a row in the caller's database transaction: a rollback sends
nothing, and a committed change always has its email. After commit the row is handed to the
worker (a Celery task), or, without a broker (or with the broker down), delivered by this process
at once. Whatever fails then (SMTP down, worker gone) stays pending in the table and is retried —
by the worker, and by ``manage.py send_pending_emails`` (beat or cron) — until the SMTP server
accepts it. ``deliver()`` sends one row under ``SELECT … FOR UPDATE SKIP LOCKED`` and marks it sent
in that transaction, so concurrent senders never send one message twice.

Templates live in ``accounts/templates/emails/``: ``<name>_subject.txt``, ``<name>.txt`` and
``<name>.html``. The context is stored sealed (Fernet, with ``FIELD_ENCRYPTION_KEYS``) because it
may carry a verification code. A context with ``expires_minutes`` (a code or link that stops
working) makes the email expire too: retried at most every ``EMAIL_CODE_RETRY_MAX_DELAY``
seconds meanwhile, and dropped with a log line, not sent stale, once expired.
"""

import enum
import json
import logging
import random
import smtplib
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from outbox.models import OutboxEmail

logger = logging.getLogger(__name__)
Status = OutboxEmail.Status


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
        sealed_context=seal(context),
        created_at=now,
        next_attempt_at=now,
        expires_at=expires_at,
    )
    transaction.on_commit(partial(_dispatch, str(row.pk)))


def _dispatch(message_id: str) -> None:
    """After commit: hand the email to the worker, or deliver it here without a broker."""
    # Imported here: the task module imports this one.
    from accounts.tasks import send_templated_email

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
        deliver(message_id)
    except Exception:
        # The request already committed: never fail it. The row stays pending.
        logger.exception("email %s: inline delivery failed", message_id)


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"  # stays pending; ``next_attempt_at`` says when
    SKIPPED = "skipped"  # already sent, dropped, failed, or being sent by another process
    DROPPED = "dropped"
    FAILED = "failed"


def deliver(message_id: str) -> Outcome:
    """One delivery attempt of one outbox row, exactly once across concurrent callers."""
    with transaction.atomic():
        row = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.PENDING)
            .first()
        )
        if row is None:
            return Outcome.SKIPPED
        return _attempt(row)


def deliver_due(*, limit: int = 100) -> dict[Outcome, int]:
    """Deliver every pending row whose retry time has come (oldest first), ``limit`` at most.

    Each row is locked on its own (``SKIP LOCKED``), so several runs — a cron job, beat, a
    worker's own retry — share the work without sending anything twice.
    """
    counts = dict.fromkeys(Outcome, 0)
    seen: set[str] = set()
    for _ in range(limit):
        with transaction.atomic():
            row = (
                OutboxEmail.objects.select_for_update(skip_locked=True)
                .filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
                .exclude(pk__in=seen)
                .order_by("next_attempt_at", "created_at")
                .first()
            )
            if row is None:
                break
            seen.add(row.pk)
            counts[_attempt(row)] += 1
    return counts


def prune(*, older_than: timedelta) -> int:
    """Delete sent, dropped and failed rows older than ``older_than``; pending ones stay."""
    cutoff = timezone.now() - older_than
    deleted, _ = (
        OutboxEmail.objects.exclude(status=Status.PENDING).filter(created_at__lt=cutoff).delete()
    )
    return deleted


def _attempt(row: OutboxEmail) -> Outcome:
    """Send the locked ``row`` and record the result in the same transaction."""
    now = timezone.now()
    if row.expires_at is not None and row.expires_at <= now:
        row.status = Status.DROPPED
        row.save(update_fields=["status"])
        logger.warning(
            "email %s (%s): its code expired before delivery (%d attempts), dropped",
            row.pk,
            row.template,
            row.attempts,
        )
        return Outcome.DROPPED
    message = build_message(
        template=row.template, to=row.to, context=unseal(row.sealed_context), message_id=str(row.pk)
    )
    row.attempts += 1
    try:
        message.send()
    except OSError as exc:  # smtplib.SMTPException, refused connections and timeouts
        row.last_error = type(exc).__name__
        from users_api import metrics  # here, not at the top: metrics imports DRF (import cycle)

        metrics.count_email_failure(template=row.template, reason=row.last_error)
        if _is_permanent(exc):
            row.status = Status.FAILED
            row.save(update_fields=["status", "attempts", "last_error"])
            logger.error(
                "email %s (%s): refused by the server (%s)", row.pk, row.template, row.last_error
            )
            return Outcome.FAILED
        row.next_attempt_at = now + timedelta(seconds=retry_delay(row, now))
        row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        logger.warning(
            "email %s (%s): attempt %d failed (%s), will retry",
            row.pk,
            row.template,
            row.attempts,
            row.last_error,
        )
        return Outcome.RETRY
    row.status = Status.SENT
    row.sent_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    logger.info("email %s (%s): sent", row.pk, row.template)
    return Outcome.SENT


def retry_delay(row: OutboxEmail, now: datetime) -> float:
    """Seconds until the next attempt after ``row.attempts`` failures (with jitter)."""
    delay = min(
        settings.EMAIL_RETRY_BASE_DELAY * 2 ** max(row.attempts - 1, 0),
        settings.EMAIL_RETRY_MAX_DELAY,
    )
    if row.expires_at is not None and now < row.expires_at:
        delay = min(delay, settings.EMAIL_CODE_RETRY_MAX_DELAY)
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def _is_permanent(exc: OSError) -> bool:
    """Every recipient refused with a 5xx code: retrying cannot help."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        500 <= code < 600 for code, _ in exc.recipients.values()
    )


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


def seal(context: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(context).encode()).decode()


def unseal(sealed: str) -> dict[str, Any]:
    return json.loads(_fernet().decrypt(sealed.encode()))


def build_message(
    *, template: str, to: str, context: dict[str, Any], message_id: str
) -> EmailMultiAlternatives:
    """Render the plain-text and HTML bodies of ``template`` into one message."""
    # Collapse whitespace: a newline from user input (an organization name) must not reach
    # the Subject header.
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers={"Message-ID": f"<{message_id}@{domain}>", "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message
