"""Stale tokens (not seen for PUSH_TOKEN_STALE_DAYS) are pruned by a command and a beat task."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from pushtokens import tasks
from pushtokens.models import PushToken

URL = "/api/users/@me/push_tokens/"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def seen(api_key_client, time_machine):
    """Register ``token`` through the API as last seen ``days`` before NOW; NOW afterwards."""
    client = api_key_client("user:write")

    def register(token: str, days: float) -> None:
        time_machine.move_to(NOW - timedelta(days=days), tick=False)
        response = client.post(URL, {"token": token, "platform": "ios"}, format="json")
        assert response.status_code == 200
        time_machine.move_to(NOW, tick=False)

    return register


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_push_tokens", *args, stdout=out)
    return out.getvalue()


def remaining() -> set[str]:
    return set(PushToken.objects.values_list("token", flat=True))


@pytest.mark.django_db
def test_the_command_removes_only_stale_tokens(seen):
    seen("fresh", days=1)
    seen("almost-stale", days=269.9)
    seen("stale", days=270)
    seen("ancient", days=800)

    output = prune()

    assert "Removed 2 stale push token(s)." in output
    assert remaining() == {"fresh", "almost-stale"}


@pytest.mark.django_db
def test_the_setting_sets_the_age(seen, settings):
    settings.PUSH_TOKEN_STALE_DAYS = 30
    seen("fresh", days=29)
    seen("stale", days=31)

    prune()

    assert remaining() == {"fresh"}


@pytest.mark.django_db
def test_days_overrides_the_setting(seen):
    seen("fresh", days=6)
    seen("week-old", days=8)

    output = prune("--days", "7")

    assert "Removed 1 stale push token(s)." in output
    assert remaining() == {"fresh"}


@pytest.mark.django_db
def test_nothing_to_prune(seen):
    seen("fresh", days=0)

    assert "Removed 0 stale push token(s)." in prune()
    assert remaining() == {"fresh"}


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "-3"])
def test_days_must_be_positive(seen, days):
    seen("fresh", days=0)

    with pytest.raises(CommandError):
        prune("--days", days)
    assert remaining() == {"fresh"}


@pytest.mark.django_db
def test_the_periodic_task_prunes(seen):
    seen("fresh", days=1)
    seen("stale", days=300)

    result = tasks.prune_stale_push_tokens.apply()

    assert result.get() == 1
    assert remaining() == {"fresh"}


def test_beat_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["prune-stale-push-tokens"]

    assert entry["task"] == tasks.prune_stale_push_tokens.name
    assert entry["schedule"] == timedelta(days=1)
