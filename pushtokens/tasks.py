"""Periodic maintenance; scheduled by ``CELERY_BEAT_SCHEDULE`` for deployments running beat."""

from celery import shared_task

from pushtokens import services


@shared_task
def prune_stale_push_tokens() -> int:
    return services.prune_stale_push_tokens()
