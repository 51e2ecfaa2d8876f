"""Notification settings: the defaults every user has, merged with their own overrides."""

from typing import Any

# Each known key with its default; the default's type is the only type accepted for the key.
DEFAULTS: dict[str, Any] = {
    "plugin_disabled": True,
    "all_weekly_digest_disabled": False,
    "project_weekly_digest_disabled": {},
    "error_tracking_issue_assigned": True,
    "discussions_mentioned": True,
    "security_alerts": True,
}


def merged_notification_settings(overrides: dict[str, Any] | None) -> dict[str, Any]:
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in (overrides or {}).items() if k in DEFAULTS})
    return merged
