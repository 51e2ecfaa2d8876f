"""Background email delivery: retried with exponential backoff, sent at most once per message id.

On a worker, an SMTP failure (refused connection, timeout, any ``SMTPException``) is retried
``EMAIL_MAX_RETRIES`` times, waiting ``EMAIL_RETRY_BASE_DELAY * 2**n`` seconds (capped at
``EMAIL_RETRY_MAX_DELAY``, with jitter so a recovered server is not hit by every email at once).

Inline (no broker configured, or the broker is down) a task makes one attempt and gives up with a
warning: Celery would run the retries at once, back to back in the request, ignoring the
countdown, so they would only hold the response for ``EMAIL_TIMEOUT`` seconds each without any
chance of the server recovering meanwhile. Retries need a broker and a worker.
"""

import logging
import random
import smtplib
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from accounts import emails
from accounts.services.security_events import RequestMeta

logger = logging.getLogger(__name__)

SENT_TTL = timedelta(days=7)  # longer than the whole retry schedule


@shared_task(bind=True, acks_late=True, ignore_result=True)
def send_templated_email(
    self: Any, *, template: str, to: str, sealed_context: str, message_id: str
) -> None:
    if _was_sent(message_id):
        logger.info("email %s (%s): already sent, skipping duplicate", message_id, template)
        return
    if not _claim(message_id):
        # Another run of this same email is sending right now; if it fails it releases the
        # claim and this run's retry delivers.
        if not self.request.is_eager:
            raise self.retry(countdown=_backoff(self.request.retries), max_retries=_max_retries())
        return
    message = emails.build_message(
        template=template, to=to, context=emails.unseal(sealed_context), message_id=message_id
    )
    try:
        message.send()
    except OSError as exc:  # smtplib.SMTPException, refused connections and timeouts
        _release(message_id)
        reason = type(exc).__name__
        if _is_permanent(exc):
            logger.error("email %s (%s): refused by the server (%s)", message_id, template, reason)
            return
        if self.request.is_eager:
            logger.warning("email %s (%s): not sent inline (%s)", message_id, template, reason)
            return
        logger.warning(
            "email %s (%s): attempt %d failed (%s), will retry",
            message_id,
            template,
            self.request.retries + 1,
            reason,
        )
        raise self.retry(
            exc=exc, countdown=_backoff(self.request.retries), max_retries=_max_retries()
        ) from exc
    _mark_sent(message_id)
    logger.info("email %s (%s): sent", message_id, template)


def _max_retries() -> int:
    return settings.EMAIL_MAX_RETRIES


def _backoff(retries: int) -> float:
    delay = min(settings.EMAIL_RETRY_BASE_DELAY * 2**retries, settings.EMAIL_RETRY_MAX_DELAY)
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def _is_permanent(exc: OSError) -> bool:
    """Every recipient refused with a 5xx code: retrying cannot help."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        500 <= code < 600 for code, _ in exc.recipients.values()
    )


# Delivery markers live in the cache. If the cache is down, deliver anyway: a rare duplicate
# is better than a lost security notice.


def _was_sent(message_id: str) -> bool:
    try:
        return cache.get(f"emails:sent:{message_id}") is not None
    except Exception:
        logger.warning("email %s: cache unavailable, cannot check for a duplicate", message_id)
        return False


def _claim(message_id: str) -> bool:
    # Long enough for one delivery attempt: connect, EHLO, DATA, each bounded by EMAIL_TIMEOUT.
    timeout = 4 * (settings.EMAIL_TIMEOUT or 10) + 30
    try:
        return bool(cache.add(f"emails:sending:{message_id}", 1, timeout=timeout))
    except Exception:
        return True


def _release(message_id: str) -> None:
    try:
        cache.delete(f"emails:sending:{message_id}")
    except Exception:
        logger.warning("email %s: cache unavailable, claim not released", message_id)


def _mark_sent(message_id: str) -> None:
    try:
        cache.set(f"emails:sent:{message_id}", 1, timeout=int(SENT_TTL.total_seconds()))
    except Exception:
        logger.warning("email %s: cache unavailable, sent marker not stored", message_id)


@shared_task(acks_late=True, ignore_result=True)
def send_reset_link(*, email: str, ip: str | None, user_agent: str) -> None:
    """Look the address up and email a reset link if it is an account's (see password_reset)."""
    from accounts.services import password_reset  # imports emails and the models

    password_reset.send_reset_link(email=email, meta=RequestMeta(ip=ip, user_agent=user_agent))


@shared_task(ignore_result=True)
def prune_expired_login_sessions() -> int:
    """Beat: expired sessions and the listed rows of sessions that are gone (SPEC §2.17)."""
    from accounts.services import login_sessions

    return login_sessions.prune_expired_login_sessions()
