"""Queue templated emails: sent by a background task after the transaction commits.

A rollback therefore sends nothing, and neither a failing mail server nor an unreachable broker
fails the request. Templates live in ``accounts/templates/emails/``: ``<name>_subject.txt``,
``<name>.txt`` and ``<name>.html``. The context crosses the broker sealed (Fernet, with
``FIELD_ENCRYPTION_KEYS``) because it may carry a verification code.
"""

import json
import logging
import uuid
from email.utils import parseaddr
from functools import partial
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def queue(*, template: str, to: str, context: dict[str, Any]) -> None:
    """Send ``template`` to ``to`` once the surrounding transaction commits.

    ``context`` must be JSON-serialisable and hold no secret other than what the email must
    carry (e.g. a verification code).
    """
    task_kwargs = {
        "template": template,
        "to": to,
        "sealed_context": seal(context),
        # Fixed now, so every delivery attempt of this email carries the same id: the task
        # skips an id already sent, and the id becomes the Message-ID header.
        "message_id": str(uuid.uuid4()),
    }
    transaction.on_commit(partial(_enqueue, task_kwargs))


def _enqueue(task_kwargs: dict[str, str]) -> None:
    # Imported here: the task module imports this one for rendering and unsealing.
    from accounts.tasks import send_templated_email

    try:
        send_templated_email.apply_async(kwargs=task_kwargs)
    except Exception as exc:  # any broker failure: kombu, redis and amqp errors differ
        # The request must not fail because the broker is down: deliver in this process
        # instead, with a single attempt (see ``send_templated_email``).
        logger.warning(
            "email %s (%s): broker unavailable (%s), sending inline",
            task_kwargs["message_id"],
            task_kwargs["template"],
            type(exc).__name__,
        )
        try:
            send_templated_email.apply(kwargs=task_kwargs, throw=False)
        except Exception:
            logger.exception("email %s: inline delivery failed", task_kwargs["message_id"])


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
