"""Bounds on the JSON documents a user stores (issue 17): nesting depth and encoded size.

A document nested ~1000 levels deep is accepted by the JSON parser but breaks whatever reads it
back with recursion (encoders, the database driver's decoder): the user's every request failed.
Checked with loops, never recursion, so the check itself cannot hit the limit it guards.
"""

import json
from typing import Any

MAX_DEPTH = 32
MAX_BYTES = 16 * 1024  # well under the request body limit, so merges are bounded too


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests objects/arrays more than ``limit`` levels deep."""
    pending = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > limit:
            return True
        pending.extend((child, level + 1) for child in children)
    return False


def size_exceeds(value: Any, limit: int = MAX_BYTES) -> bool:
    """Whether ``value`` encodes to more than ``limit`` bytes of JSON (call after the depth)."""
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(encoded.encode("utf-8", "surrogatepass")) > limit


def within_limits(value: Any) -> bool:
    return not depth_exceeds(value) and not size_exceeds(value)
