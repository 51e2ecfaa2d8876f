"""Model fields of the accounts app."""

import logging
from typing import Any

from django.db import models

from accounts import json_limits

logger = logging.getLogger(__name__)


class BoundedJSONField(models.JSONField):
    """A ``JSONField`` whose stored documents deeper than ``accounts.json_limits`` read as None.

    Input is bounded by the serializers; this covers what got in before (or around) them: one
    ~1000-level document made every request of its user a 500 (issue 17). The column keeps the
    value; only reads ignore it, with a warning.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        try:
            loaded = super().from_db_value(value, expression, connection)
        except RecursionError:
            loaded = None
            too_deep = True
        else:
            too_deep = json_limits.depth_exceeds(loaded)
        if too_deep:
            logger.warning("%s: a stored document is nested too deep; read as null", self.name)
            return None
        return loaded
