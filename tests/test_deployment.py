"""The deployment files agree with the code: .env.example, the image's start command."""

import ast
import re
import shlex

import pytest
import yaml
from check_jsonschema import main as check_jsonschema

from tests.gunicorn_server import PYTHON, ROOT
from tests.test_serving import _run, production_env


def settings_variables() -> set[str]:
    """Every environment variable users_api/settings.py reads (``env.<type>("NAME", …)``)."""
    tree = ast.parse((ROOT / "users_api" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return dict(pairs)


def test_env_example_lists_every_variable_the_settings_read():
    missing = settings_variables() - env_example().keys()
    assert not missing, f"add to .env.example (and README): {sorted(missing)}"


def test_env_example_ships_no_secret():
    example = env_example()
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "METRICS_TOKEN", "SENTRY_DSN"):
        assert example[name] == "", name


def _image_start_check() -> list[str]:
    """The check half of the Dockerfile's CMD (`<check> && exec gunicorn …`)."""
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    argv = ast.literal_eval(cmd)
    assert argv[:2] == ["sh", "-c"]
    check, serve = argv[2].split(" && exec ")
    assert serve == "gunicorn -c gunicorn.conf.py users_api.wsgi:application"
    return shlex.split(check)


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"SECURE_SSL_REDIRECT": "false"},
        {"SECURE_HSTS_SECONDS": "0"},
        {"SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"},
        {"SECURE_HSTS_PRELOAD": "true"},
        {"LOG_FORMAT": "json", "METRICS_TOKEN": "t", "NUM_PROXIES": "1"},
    ],
)
def test_the_image_start_check_passes_with_documented_values(variables):
    argv = _image_start_check()
    assert argv[:2] == ["python", "manage.py"]
    result = _run([PYTHON, *argv[1:]], production_env(**variables))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_user_has_a_writable_home():
    dockerfile = (ROOT / "Dockerfile").read_text()
    useradd = re.search(r"^RUN useradd .*$", dockerfile, re.M).group(0)
    assert "--create-home" in useradd
    assert "--no-create-home" not in useradd
    assert re.search(r"^ENV HOME=/home/app", dockerfile, re.M)


def test_manage_py_reads_a_dot_env_file(tmp_path):
    # A copy of manage.py next to its own .env, pointing at the real code.
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "manage.py").write_text((ROOT / "manage.py").read_text())
    (tmp_path / "copy" / ".env").write_text("DEBUG=true\n")
    result = _run(
        [PYTHON, str(tmp_path / "copy" / "manage.py"), "check"],
        {
            **production_env(DEBUG=None, SECRET_KEY=None, FIELD_ENCRYPTION_KEYS=None),
            "PYTHONPATH": str(ROOT),
        },
    )
    assert result.returncode == 0, result.stderr


def test_a_missing_database_is_one_line_naming_it():
    result = _run(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        production_env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/no_such_users_db"),
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Database error (no_such_users_db on 127.0.0.1:5432):")
    assert 'database "no_such_users_db" does not exist' in last  # why, not just that it failed


def test_compose_file_is_valid_against_the_compose_specification():
    # The compose specification's JSON schema ships (vendored, offline) with check-jsonschema.
    with pytest.raises(SystemExit) as result:
        check_jsonschema(["--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")])
    assert result.value.code == 0


def test_compose_runs_the_image_and_the_committed_proxy_config():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"}
    assert all("healthcheck" in service for service in services.values())
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert "_ready/" in " ".join(services["web"]["healthcheck"]["test"])
    mount = services["nginx"]["volumes"][0].split(":")[0]
    assert (ROOT / mount).resolve() == (ROOT / "deploy/nginx/users-api.conf").resolve()
    assert "server web:8000;" in (ROOT / "deploy/nginx/users-api.conf").read_text()
    used = set(services["web"]["environment"]) | {"POSTGRES_PASSWORD"}
    assert used <= env_example().keys() | {"FORWARDED_ALLOW_IPS", "NUM_PROXIES"}
