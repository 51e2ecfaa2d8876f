"""Serializer fields shared by the user resource's inputs."""

from collections.abc import Iterator
from typing import Any

from rest_framework import serializers

from accounts import json_limits


def _strings(value: Any) -> Iterator[str]:
    """Yield every key and string value of a JSON document, however deeply nested."""
    # A loop, not recursion: the parser accepts nesting close to Python's recursion limit.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


class JSONObjectField(serializers.DictField):
    """A JSON object stored as is in a ``JSONField``.

    PostgreSQL's ``jsonb`` cannot hold ``\\u0000`` and UTF-8 cannot encode a lone surrogate (a
    JSON ``"\\ud800"`` escape): either, in any key or value, would fail the save with a 500.
    Depth and size are bounded (``accounts.json_limits``): a deeper document broke every later
    read of the user.
    """

    default_error_messages = {
        "null_characters_not_allowed": "Null characters are not allowed.",
        "surrogate_characters_not_allowed": "Surrogate characters are not allowed.",
        "too_deep": f"Nested more than {json_limits.MAX_DEPTH} levels deep.",
        "too_large": f"Larger than {json_limits.MAX_BYTES} bytes of JSON.",
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if json_limits.depth_exceeds(data):
            self.fail("too_deep")
        value = super().to_internal_value(data)
        for text in _strings(value):
            if "\x00" in text:
                self.fail("null_characters_not_allowed")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                self.fail("surrogate_characters_not_allowed")
        if json_limits.size_exceeds(value):
            self.fail("too_large")
        return value
