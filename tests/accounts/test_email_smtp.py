"""End to end over a real SMTP connection: aiosmtpd on 127.0.0.1, tasks inline (no broker)."""

import pytest
from rest_framework.test import APIClient

from accounts.services import email_verification
from tests.accounts.email_support import (
    REQUEST_URL,
    VERIFY_URL,
    code_in,
    smtp_server,
    use_smtp,
    wait_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with smtp_server() as server:
        use_smtp(settings, server.port)
        yield server


def test_a_code_read_from_the_delivered_message_verifies_the_account(
    smtp, make_user, django_capture_on_commit_callbacks, settings
):
    settings.DEFAULT_FROM_EMAIL = "Users API <no-reply@users.example>"
    user = make_user(email="ada@example.com", is_email_verified=False, first_name="Ada")
    client = APIClient()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST_URL, {"uuid": str(user.uuid)}, format="json")

    assert response.status_code == 200
    [message] = smtp.messages
    assert smtp.recipients == [["ada@example.com"]]
    assert message["To"] == "ada@example.com"
    assert message["From"] == "Users API <no-reply@users.example>"
    assert message["Subject"] == "Confirm your email address"
    assert message["Message-ID"].endswith("@users.example>")
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(preferencelist=("html",)).get_content()
    code = code_in(message)
    assert code in html

    verified = client.post(VERIFY_URL, {"uuid": str(user.uuid), "code": code}, format="json")

    assert verified.status_code == 200
    assert verified.json() == {"success": True}
    assert "sessionid" in verified.cookies
    user.refresh_from_db()
    assert user.is_email_verified


def test_an_email_change_confirmed_with_the_delivered_code_notifies_both_addresses(
    smtp, make_user, django_capture_on_commit_callbacks
):
    user = make_user(email="old@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        email_verification.request_email_change(user=user, new_email="new@example.com")
    assert smtp.recipients == [["new@example.com"]]
    code = code_in(smtp.messages[0])

    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            VERIFY_URL, {"uuid": str(user.uuid), "code": code}, format="json"
        )

    assert response.status_code == 200
    assert wait_for(lambda: len(smtp.messages) == 3, timeout=5)
    notices = smtp.messages[1:]
    assert sorted(r[0] for r in smtp.recipients[1:]) == ["new@example.com", "old@example.com"]
    for notice in notices:
        assert notice["Subject"] == "The email address of your account was changed"
    user.refresh_from_db()
    assert user.email == "new@example.com"
