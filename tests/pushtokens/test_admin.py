"""Staff browse push tokens in the admin: masked in the list, never editable."""

import pytest
from django.test import Client

from pushtokens.models import PushToken

CHANGELIST = "/admin/pushtokens/pushtoken/"
TOKEN = "f" * 40 + "full-secret-remainder"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """The manifest storage needs collectstatic; the admin's pages only need URLs here."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff(make_user) -> Client:
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def tokens(make_user):
    alice = make_user(email="alice@example.com")
    bob = make_user(email="bob@example.com")
    return [
        PushToken.objects.create(user=alice, token=TOKEN, platform="ios"),
        PushToken.objects.create(user=bob, token="b" * 64, platform="android"),
    ]


@pytest.mark.django_db
def test_the_list_shows_user_platform_last_seen_and_a_masked_token(staff, tokens):
    response = staff.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "alice@example.com" in html
    assert "ffffffff…" in html
    assert TOKEN not in html
    assert "b" * 64 not in html
    assert "Last seen at" in html


@pytest.mark.django_db
def test_filter_by_platform(staff, tokens):
    response = staff.get(CHANGELIST, {"platform__exact": "android"})

    assert list(response.context["cl"].result_list) == [tokens[1]]


@pytest.mark.django_db
def test_search_by_user_email(staff, tokens):
    response = staff.get(CHANGELIST, {"q": "alice@"})

    assert list(response.context["cl"].result_list) == [tokens[0]]


@pytest.mark.django_db
def test_a_token_is_read_only(staff, tokens):
    url = f"{CHANGELIST}{tokens[0].pk}/change/"

    response = staff.get(url)
    posted = staff.post(url, {"token": "replaced", "platform": "web"})

    assert response.status_code == 200
    assert 'name="token"' not in response.content.decode()
    assert posted.status_code == 403
    tokens[0].refresh_from_db()
    assert (tokens[0].token, tokens[0].platform) == (TOKEN, "ios")


@pytest.mark.django_db
def test_tokens_are_not_added_by_hand(staff, tokens):
    assert staff.get(f"{CHANGELIST}add/").status_code == 403


@pytest.mark.django_db
def test_staff_may_delete_a_token(staff, tokens):
    response = staff.post(f"{CHANGELIST}{tokens[0].pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not PushToken.objects.filter(pk=tokens[0].pk).exists()
