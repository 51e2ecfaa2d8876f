"""The request id: reused from ``X-Request-ID`` when safe, else generated; on every log line.

Imported by the logging configuration, so it must not import Django's application modules.
"""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
# A client's id is reused only when it is short printable ASCII (no spaces, no control
# characters), so it cannot forge log lines or bloat them.
_SAFE = re.compile(r"[\x21-\x7e]{1,128}")

current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def choose(offered: str) -> str:
    """The client's id when it is safe to echo and log, else a fresh random one."""
    return offered if _SAFE.fullmatch(offered) else uuid.uuid4().hex


class RequestIDFilter(logging.Filter):
    """Add the current request's id to every log record (``None`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True
