"""Queue templated emails: sent by a background task after the transaction commits.

A rollback therefore sends nothing, and a failing mail server never fails the request.
Templates live in ``<app>/templates/emails/<name>_subject.txt``, ``<name>.txt`` and
``<name>.html``.
"""

import uuid
from typing import Any

from django.db import transaction

from accounts import tasks


def queue(*, template: str, to: str, context: dict[str, Any]) -> None:
    """Send ``template`` to ``to`` once the surrounding transaction commits.

    ``context`` must be JSON-serialisable (it crosses the broker) and hold no secret other than
    what the email must carry (e.g. a verification code).
    """
    message_id = str(uuid.uuid4())  # lets the task skip a duplicate delivery (idempotency)
    transaction.on_commit(
        lambda: tasks.send_templated_email.delay(
            template=template, to=to, context=context, message_id=message_id
        )
    )
