"""ASGI entry point: ``users_api.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")

application = get_asgi_application()
