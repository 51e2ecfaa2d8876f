#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")
    import environ
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    # A local `.env` (see .env.example) fills in what the environment leaves unset, so
    # development commands need no `DEBUG=true` prefix. Real environment variables win.
    env_file = Path(__file__).resolve().parent / ".env"
    if env_file.is_file():
        environ.Env.read_env(env_file, overwrite=False)

    # A command that reads only the code (models and migration files) needs none of the
    # production secrets: a fresh checkout or CI checks migrations with no environment at all.
    # Every other command refuses to start without them outside development mode.
    if sys.argv[1:2] == ["makemigrations"]:
        os.environ.setdefault("DEBUG", "true")
    try:
        # Load the settings first: Django's command runner swallows a settings error and most
        # commands then fail with an unrelated "Models aren't loaded yet".
        settings.INSTALLED_APPS  # noqa: B018 - evaluated for its side effect
    except ImproperlyConfigured as exc:
        sys.exit(f"Configuration error: {exc}")
    try:
        execute_from_command_line(sys.argv)
    except OperationalError as exc:
        sys.exit(_database_error(settings.DATABASES["default"], exc))


def _database_error(db: dict, exc: Exception) -> str:
    """One line that names the database and why it cannot be used, not a page of traceback."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"Database error ({db.get('NAME')}): {exc}"
    host = db.get("HOST") or "localhost"
    where = f"{db.get('NAME')} on {host}:{db.get('PORT') or 5432}"
    reason = str(exc).strip()
    reason = reason.splitlines()[-1] if reason else type(exc).__name__
    return f"Database error ({where}): {reason}"


if __name__ == "__main__":
    main()
