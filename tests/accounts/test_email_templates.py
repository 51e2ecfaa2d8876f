"""Every email of docs/api.md §3 renders a one-line subject, a plain-text and an HTML body."""

import pytest

from outbox import delivery

CONTEXTS = {
    "verification_code": {
        "code": "123456",
        "email": "ada@example.com",
        "first_name": "Ada",
        "expires_minutes": 10,
    },
    "email_changed": {
        "old_email": "old@example.com",
        "new_email": "new@example.com",
        "first_name": "Ada",
    },
    "password_changed": {"first_name": "Ada", "email": "ada@example.com"},
    "two_factor_enabled": {"first_name": "Ada", "email": "ada@example.com"},
    "two_factor_disabled": {"first_name": "Ada", "email": "ada@example.com"},
    "backup_codes_regenerated": {"first_name": "Ada", "email": "ada@example.com"},
    "backup_code_used": {"first_name": "Ada", "email": "ada@example.com", "remaining": 3},
    "delegation_invite": {
        "inviter_name": "Grace Hopper",
        "inviter_email": "grace@example.com",
        "organization_name": "Analytical Engines",
        "message": "Could you set this up?",
        "invite_id": "0b7f3c1e-2a51-4a8e-9d61-3b1f1e0c9a77",
        "target_email": "ada@example.com",
    },
}


def render(template, context):
    message = delivery.build_message(
        template=template, to="ada@example.com", context=context, message_id="abc-123"
    )
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message, message.body, html


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_every_email_has_a_subject_a_text_and_an_html_body(template):
    context = CONTEXTS[template]

    message, text, html = render(template, context)

    assert message.subject
    assert "\n" not in message.subject
    assert message.to == ["ada@example.com"]
    assert html.lstrip().startswith("<!doctype html>")
    for value in context.values():
        assert str(value) in text, f"{template}.txt lacks {value!r}"
        assert str(value) in html, f"{template}.html lacks {value!r}"
    assert "&" not in text  # plain text is never HTML-escaped
    assert message.extra_headers["Message-ID"] == "<abc-123@example.com>"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_user_input_is_escaped_in_html_and_kept_as_is_in_text():
    context = {**CONTEXTS["password_changed"], "first_name": "O'Brien <b>"}

    _, text, html = render("password_changed", context)

    assert "O'Brien <b>" in text
    assert "<b>" not in html
    assert "O&#x27;Brien &lt;b&gt;" in html


def test_a_newline_in_user_input_never_reaches_the_subject_header():
    context = {**CONTEXTS["delegation_invite"], "organization_name": "Evil\r\nBcc: x@example.com"}

    message, _, _ = render("delegation_invite", context)

    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert message.message()["Bcc"] is None


def test_the_backup_code_email_tells_how_many_codes_remain():
    _, one, _ = render("backup_code_used", {**CONTEXTS["backup_code_used"], "remaining": 1})
    _, none, _ = render("backup_code_used", {**CONTEXTS["backup_code_used"], "remaining": 0})

    assert "1 unused code left" in one
    assert "0 unused codes left" in none
    assert "Create a new set" in none
