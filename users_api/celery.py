"""Celery application: ``celery -A users_api worker``. Without a broker, tasks run inline."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")

app = Celery("users_api")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
