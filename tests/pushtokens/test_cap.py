"""Each user keeps at most 20 tokens: the least recently seen are dropped on registration."""

from datetime import UTC, datetime, timedelta

import pytest

from pushtokens.models import PushToken

URL = "/api/users/@me/push_tokens/"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def register_at(api_key_client, make_user, time_machine):
    user = make_user()
    client = api_key_client("user:write", user=user)

    def register(minute: int, token: str) -> None:
        time_machine.move_to(T0 + timedelta(minutes=minute), tick=False)
        response = client.post(URL, {"token": token, "platform": "ios"}, format="json")
        assert response.status_code == 200

    register.user = user
    return register


def tokens_of(user) -> set[str]:
    return set(user.push_tokens.values_list("token", flat=True))


@pytest.mark.django_db
def test_the_twenty_first_token_drops_the_least_recently_seen(register_at):
    for n in range(21):
        register_at(n, f"tok-{n}")

    assert tokens_of(register_at.user) == {f"tok-{n}" for n in range(1, 21)}


@pytest.mark.django_db
def test_a_refreshed_token_counts_as_recently_seen(register_at):
    for n in range(20):
        register_at(n, f"tok-{n}")
    register_at(30, "tok-0")  # the oldest is seen again...

    register_at(31, "tok-new")  # ...so the next oldest, tok-1, goes

    assert tokens_of(register_at.user) == {f"tok-{n}" for n in range(20) if n != 1} | {"tok-new"}


@pytest.mark.django_db
def test_the_cap_is_per_user(register_at, make_user):
    someone_else = make_user()
    PushToken.objects.bulk_create(
        PushToken(user=someone_else, token=f"theirs-{n}", platform="web") for n in range(20)
    )

    for n in range(21):
        register_at(n, f"tok-{n}")

    assert someone_else.push_tokens.count() == 20
    assert register_at.user.push_tokens.count() == 20


@pytest.mark.django_db
def test_a_token_taken_over_counts_against_its_new_owner(register_at, api_key_client, make_user):
    previous_owner = make_user()
    for n in range(20):
        register_at(n, f"tok-{n}")
    PushToken.objects.create(user=previous_owner, token="handed-over", platform="android")

    register_at(40, "handed-over")

    assert "handed-over" in tokens_of(register_at.user)
    assert "tok-0" not in tokens_of(register_at.user)
    assert register_at.user.push_tokens.count() == 20
    assert not previous_owner.push_tokens.exists()
