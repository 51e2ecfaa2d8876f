"""The production process: gunicorn with production variables, refusal without secrets, and
``check --deploy``."""

import os
import re
import secrets
import subprocess

import pytest
from cryptography.fernet import Fernet

from tests.gunicorn_server import (
    GUNICORN,
    PYTHON,
    ROOT,
    fetch,
    process_env,
    running_gunicorn,
    suite_database_url,
)

HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy in front would send


def production_env(**overrides: str) -> dict[str, str]:
    variables = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://users:secret@127.0.0.1:5432/users",
        "CACHE_URL": "redis://127.0.0.1:6379/0",
        "WEB_CONCURRENCY": "2",
        **overrides,
    }
    return process_env(**{k: v for k, v in variables.items() if v is not None})


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.postgres
def test_gunicorn_serves_the_api_docs_and_static_files_in_production(db, tmp_path):
    cache_url = os.environ.get("CACHE_URL", "")
    if not cache_url.startswith("redis://"):
        pytest.skip("needs CACHE_URL=redis://…")
    env = production_env(
        DATABASE_URL=suite_database_url(), CACHE_URL=cache_url, STATIC_ROOT=str(tmp_path)
    )
    collected = _run([PYTHON, "manage.py", "collectstatic", "--noinput"], env)
    assert collected.returncode == 0, collected.stderr

    with running_gunicorn(env) as base:
        health = fetch(f"{base}/_health/")
        ready = fetch(f"{base}/_ready/")
        docs = fetch(f"{base}/api/docs/", HTTPS)
        redoc = fetch(f"{base}/api/redoc/", HTTPS)
        me = fetch(f"{base}/api/users/@me/", HTTPS)
        assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", docs.body.decode())
        asset_replies = {url: fetch(base + url, HTTPS) for url in assets}

    assert (health.status, health.body) == (200, b'{"status":"ok"}')
    assert ready.status == 200, ready.body
    assert docs.status == 200
    assert docs.headers["Content-Type"].startswith("text/html")
    assert redoc.status == 200
    assert me.status == 401
    assert me.headers["Content-Type"] == "application/json"
    # Collected files carry a content hash, so WhiteNoise can let browsers cache them forever.
    assert any(re.search(r"swagger-ui-bundle\.[0-9a-f]{12}\.js$", url) for url in assets)
    for url, reply in asset_replies.items():
        assert reply.status == 200, url
        assert "immutable" in reply.headers.get("Cache-Control", ""), url


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_gunicorn_refuses_to_start_without_a_secret(missing):
    result = _run(
        [GUNICORN, "-c", "gunicorn.conf.py", "users_api.wsgi:application"],
        production_env(**{missing: None, "GUNICORN_BIND": "127.0.0.1:0"}),
    )
    assert result.returncode != 0
    assert f"Configuration error: {missing} is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_py_refuses_to_run_without_a_secret_key():
    result = _run([PYTHON, "manage.py", "check"], production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_makemigrations_check_runs_with_no_environment_at_all():
    # It reads only the models and migration files; a fresh checkout or CI has no secrets.
    created = not (ROOT / "db.sqlite3").exists()  # its history check opens the default database
    try:
        result = _run(
            [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"], process_env()
        )
    finally:
        if created:
            (ROOT / "db.sqlite3").unlink(missing_ok=True)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_makemigrations_still_refuses_an_explicit_production_mode_without_a_secret_key():
    result = _run(
        [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
        production_env(SECRET_KEY=None),
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_mode_runs_without_secrets():
    result = _run([PYTHON, "manage.py", "check"], process_env(DEBUG="true"))
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = _run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
