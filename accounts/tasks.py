"""Background email delivery."""

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


@shared_task(bind=True, max_retries=8, default_retry_delay=10, retry_backoff=True)
def send_templated_email(
    self: Any, *, template: str, to: str, context: dict[str, Any], message_id: str
) -> None:
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers={"X-Message-ID": message_id}
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError as exc:
        raise self.retry(exc=exc) from exc
