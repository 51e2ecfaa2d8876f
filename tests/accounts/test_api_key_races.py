"""Rolling or revoking a personal API key while the account is deleted, on PostgreSQL.

Rolling or revoking writes the key row and records a security event, whose foreign key takes
``FOR KEY SHARE`` on the user row; deleting the account locks the user row and then deletes the
keys. Each race is forced (``tests/races.py``): a transaction holds the key row until the key
request and then the deletion queue behind it; each test says which serial order its outcome is.
"""

import pytest

from accounts.models import PersonalAPIKey, SecurityEvent, User
from tests.races import queued_behind

URL = "/api/personal_api_keys/"
ME = "/api/users/@me/"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(client, key, request):
    return queued_behind(
        lambda: PersonalAPIKey.objects.select_for_update().get(pk=key.pk),
        request,
        lambda: client.delete(ME),
    )


def test_a_roll_then_the_account_deleted(make_user, make_api_key, session_client):
    user = make_user(with_team=True)
    key, _ = make_api_key("user:read", user=user)
    client = session_client(user)

    rolled, deleted = race(client, key, lambda: client.post(f"{URL}{key.pk}/roll/"))

    # The key gets its new secret, then the account goes with its keys and events.
    assert rolled.status_code == 200, rolled.content
    assert deleted.status_code == 204, deleted.content
    assert not User.objects.filter(pk=user.pk).exists()
    assert not SecurityEvent.objects.filter(user_id=user.pk).exists()


def test_a_revocation_then_the_account_deleted(make_user, make_api_key, session_client):
    user = make_user(with_team=True)
    key, _ = make_api_key("user:read", user=user)
    client = session_client(user)

    revoked, deleted = race(client, key, lambda: client.delete(f"{URL}{key.pk}/"))

    # The key is revoked, then the account goes with its events.
    assert revoked.status_code == 204, revoked.content
    assert deleted.status_code == 204, deleted.content
    assert not User.objects.filter(pk=user.pk).exists()
    assert not SecurityEvent.objects.filter(user_id=user.pk).exists()
