"""Deliver the outbox: one attempt per row, exactly once across concurrent senders.

``deliver()`` sends one row under ``SELECT … FOR UPDATE SKIP LOCKED`` and marks it sent in that
transaction, so concurrent senders (the worker's task, its retries, ``manage.py
send_pending_emails``, the web process without a broker) never send one message twice. A failed
attempt leaves the row pending with its next retry time; a row whose context says
``expires_minutes`` (a code or link that stops working) is retried at most every
``EMAIL_CODE_RETRY_MAX_DELAY`` seconds meanwhile, and dropped with a log line, not sent stale,
once expired. Templates: ``emails/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``.
"""

import enum
import logging
import random
import smtplib
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from outbox.models import OutboxEmail
from users_api import encryption, metrics

logger = logging.getLogger(__name__)
Status = OutboxEmail.Status


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
        template=row.template,
        to=row.to,
        context=encryption.unseal(row.sealed_context),
        message_id=str(row.pk),
    )
    row.attempts += 1
    try:
        message.send()
    except OSError as exc:  # smtplib.SMTPException, refused connections and timeouts
        row.last_error = type(exc).__name__
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
