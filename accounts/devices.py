"""A short, human label for a User-Agent header ("Chrome on macOS"), for the sessions list."""

from functools import lru_cache

from ua_parser import parse

_MAX_INPUT = 512
UNKNOWN = "Unknown device"


@lru_cache(maxsize=1024)
def label(user_agent: str) -> str:
    """``<browser> on <OS>`` (or whichever of the two is known); ``Unknown device`` otherwise.

    Parsing runs once per login, not per request; the cache only spares repeated agents.
    """
    result = parse(user_agent[:_MAX_INPUT]) if user_agent else None
    browser = result.user_agent.family if result and result.user_agent else None
    system = result.os.family if result and result.os else None
    browser = None if browser == "Other" else browser
    system = None if system == "Other" else system
    if browser and system:
        return f"{browser} on {system}"[:120]
    return (browser or system or UNKNOWN)[:120]
