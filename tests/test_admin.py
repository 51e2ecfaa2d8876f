"""The Django admin: staff find and edit users and organizations; no secret is displayed."""

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import PASSWORD


@pytest.fixture
def admin_client(make_user) -> Client:
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_the_user_list_shows_the_useful_columns(admin_client, make_user):
    make_user(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    response = admin_client.get("/admin/accounts/user/")
    assert response.status_code == 200
    content = response.content.decode()
    for text in ("ada@example.com", "Lovelace", "Is email verified", "Date joined"):
        assert text in content


@pytest.mark.parametrize("term", ["grace@example", "Hopper", "Grace"])
def test_users_are_found_by_email_and_name(admin_client, make_user, term):
    make_user(email="grace@example.com", first_name="Grace", last_name="Hopper")
    make_user(email="other@example.com", first_name="Other", last_name="Person")
    response = admin_client.get("/admin/accounts/user/", {"q": term})
    assert b"grace@example.com" in response.content
    assert b"other@example.com" not in response.content


def test_users_are_filtered_by_staff_status(admin_client, make_user):
    make_user(email="plain@example.com")
    response = admin_client.get("/admin/accounts/user/", {"is_staff__exact": "1"})
    assert response.status_code == 200
    assert b"plain@example.com" not in response.content


def test_the_change_page_shows_onboarding_read_only_and_no_secrets(admin_client, make_user):
    user = make_user(with_team=True)
    response = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Onboarding skipped at" in content
    assert 'name="onboarding_skipped_at"' not in content  # read-only: no input
    assert "session_generation" not in content
    assert user.password.split("$")[-1] not in content  # not even the hash


def test_staff_set_a_password_through_the_standard_form(admin_client, make_user):
    user = make_user()
    url = f"/admin/accounts/user/{user.pk}/password/"
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url,
        {
            "password1": "another long passphrase 7",
            "password2": "another long passphrase 7",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long passphrase 7")


def test_staff_add_a_user_by_email(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "first_name": "New",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content
    assert User.objects.get(email="new.person@example.com").check_password(PASSWORD)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/organizations/organization/",
        "/admin/organizations/team/",
        "/admin/organizations/organizationmembership/",
    ],
)
def test_organization_lists_answer(admin_client, make_user, url):
    make_user(with_team=True)
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "anything"}).status_code == 200


def test_an_organization_page_lists_its_teams_and_members(admin_client, make_user):
    user = make_user(with_team=True)
    organization = user.current_organization
    response = admin_client.get(f"/admin/organizations/organization/{organization.pk}/change/")
    assert response.status_code == 200
    assert user.current_team.name.encode() in response.content
    assert user.email.encode() in response.content


def test_non_staff_are_sent_to_the_login_page(make_user):
    client = Client()
    client.force_login(make_user())
    assert client.get("/admin/accounts/user/").status_code == 302
