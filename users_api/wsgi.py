"""WSGI entry point: ``users_api.wsgi:application``."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # A missing secret is an operator's mistake, not a bug: say what to set, no traceback.
    sys.exit(f"Configuration error: {exc}")
