"""The outbox's rules in one process: code emails expire, their retries stay short, staff see it."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.services import email_verification
from outbox import delivery
from outbox.models import OutboxEmail
from users_api import encryption

pytestmark = pytest.mark.django_db

KNOWN_CODE = "918273"


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "tests.accounts.test_email_delivery.FailingBackend"


@pytest.fixture
def user(make_user, monkeypatch):
    monkeypatch.setattr("accounts.email_codes.generate", lambda: KNOWN_CODE)
    return make_user(email="ada@example.com", is_email_verified=False, first_name="Ada")


def queue_code(user, django_capture_on_commit_callbacks) -> OutboxEmail:
    with django_capture_on_commit_callbacks(execute=True):
        email_verification.send_verification_code(user=user)
    return OutboxEmail.objects.get(template="verification_code")


def test_the_email_is_written_in_the_callers_transaction(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email_verification.send_verification_code(user=user)
        [row] = OutboxEmail.objects.all()  # there before the commit, delivered after it

    assert row.status == "pending"
    assert len(callbacks) == 1
    assert KNOWN_CODE not in row.sealed_context
    assert encryption.unseal(row.sealed_context)["code"] == KNOWN_CODE
    # The code's lifetime (10 min) becomes the email's.
    assert timedelta(minutes=9) < row.expires_at - row.created_at <= timedelta(minutes=10)


def test_a_code_email_is_retried_within_the_code_cap_a_notice_backs_off_longer(
    user,
    settings,
    smtp_down,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_RETRY_BASE_DELAY = 15
    settings.EMAIL_CODE_RETRY_MAX_DELAY = 20
    code_row = queue_code(user, django_capture_on_commit_callbacks)
    notice = OutboxEmail.objects.create(
        template="password_changed", to=user.email, sealed_context=encryption.seal({"email": "x"})
    )
    for row in (code_row, notice):
        row.attempts = 6  # 15 * 2**5 = 480 s uncapped
        row.save()

    now = timezone.now()
    assert delivery.retry_delay(code_row, now) <= 20
    assert delivery.retry_delay(notice, now) >= 240


def test_an_email_whose_code_expired_is_dropped_with_a_log_line_not_sent(
    user,
    settings,
    smtp_down,
    mailoutbox,
    caplog,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.WARNING, logger="accounts.emails")
    row = queue_code(user, django_capture_on_commit_callbacks)  # SMTP down: stays pending
    assert OutboxEmail.objects.get(pk=row.pk).status == "pending"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        counts = delivery.deliver_due()

    assert counts[delivery.Outcome.DROPPED] == 1
    assert mailoutbox == []
    assert OutboxEmail.objects.get(pk=row.pk).status == "dropped"
    assert f"email {row.pk} (verification_code): its code expired" in caplog.text
    assert KNOWN_CODE not in caplog.text


def test_old_delivered_rows_are_pruned_pending_ones_kept(user):
    old = timezone.now() - timedelta(days=40)
    for status in ("sent", "dropped", "pending"):
        OutboxEmail.objects.create(
            template="password_changed",
            to=user.email,
            sealed_context="x",
            status=status,
            created_at=old,
        )

    assert delivery.prune(older_than=timedelta(days=30)) == 2
    assert list(OutboxEmail.objects.values_list("status", flat=True)) == ["pending"]


def test_staff_see_the_outbox_without_the_sealed_context(
    user, make_user, django_capture_on_commit_callbacks
):
    row = queue_code(user, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))

    listing = client.get("/admin/outbox/outboxemail/")
    page = client.get(f"/admin/outbox/outboxemail/{row.pk}/change/")

    assert listing.status_code == 200
    assert page.status_code == 200
    for response in (listing, page):
        body = response.content.decode()
        assert "verification_code" in body
        assert "ada@example.com" in body
        assert row.sealed_context not in body
        assert KNOWN_CODE not in body
    assert client.get("/admin/outbox/outboxemail/add/").status_code == 403
