"""EMAIL_URL, EMAIL_TIMEOUT and CELERY_BROKER_URL as read by the settings module
(docs/api.md §5).
"""

import runpy
from pathlib import Path

import pytest
from django.core.mail import get_connection

import users_api

SETTINGS_FILE = Path(users_api.__file__).parent / "settings.py"


@pytest.fixture
def load_settings(monkeypatch):
    """Execute the settings module with the given environment; return its namespace."""

    def load(**environment: str) -> dict:
        for name in ("EMAIL_URL", "EMAIL_TIMEOUT", "CELERY_BROKER_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


def test_plain_smtp_url(load_settings):
    settings = load_settings(EMAIL_URL="smtp://mail.internal:2525")

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["EMAIL_HOST"] == "mail.internal"
    assert settings["EMAIL_PORT"] == 2525
    assert not settings.get("EMAIL_USE_TLS")
    assert not settings.get("EMAIL_USE_SSL")


def test_smtp_with_starttls_and_credentials(load_settings):
    settings = load_settings(EMAIL_URL="smtp+tls://mailer:s3cr%40t@smtp.example.com:587")

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["EMAIL_HOST"] == "smtp.example.com"
    assert settings["EMAIL_PORT"] == 587
    assert settings["EMAIL_USE_TLS"] is True
    assert settings["EMAIL_HOST_USER"] == "mailer"
    assert settings["EMAIL_HOST_PASSWORD"] == "s3cr@t"  # percent-encoding is decoded


def test_console_email_is_the_default(load_settings):
    settings = load_settings()

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_email_timeout_is_read_and_reaches_the_smtp_connection(load_settings, settings):
    assert load_settings()["EMAIL_TIMEOUT"] == 10
    assert load_settings(EMAIL_TIMEOUT="3")["EMAIL_TIMEOUT"] == 3

    settings.EMAIL_TIMEOUT = 3
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert connection.timeout == 3


@pytest.mark.parametrize(
    "broker", ["redis://127.0.0.1:6379/0", "amqp://guest:guest@127.0.0.1:5672//"]
)
def test_a_broker_url_turns_off_inline_tasks(load_settings, broker):
    settings = load_settings(CELERY_BROKER_URL=broker)

    assert settings["CELERY_BROKER_URL"] == broker
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False


def test_without_a_broker_tasks_run_inline(load_settings):
    settings = load_settings()

    assert settings["CELERY_BROKER_URL"] == ""
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True
    assert settings["CELERY_TASK_EAGER_PROPAGATES"] is False
