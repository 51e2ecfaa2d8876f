"""Use cases know nothing of HTTP: they raise their app's errors, ``users_api.errors`` answers."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_MODULES = sorted(
    [
        *ROOT.glob("*/services.py"),
        *ROOT.glob("*/services/*.py"),
        *ROOT.glob("*/errors.py"),
        ROOT / "users_api" / "domain_errors.py",
    ]
)
HTTP_MODULES = ("rest_framework.exceptions", "rest_framework.status", "django.http")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_use_case_module_imports_no_http_exceptions_or_statuses(path: Path) -> None:
    if path.relative_to(ROOT).parts[0] == "users_api" and path.name == "errors.py":
        pytest.skip("the one module that maps refusals to HTTP")
    imported = _imports(path)
    assert not {name for name in imported for http in HTTP_MODULES if name.startswith(http)}, (
        f"{path.relative_to(ROOT)} imports HTTP concepts"
    )


def test_the_modules_checked_include_every_app_errors_module() -> None:
    checked = {str(path.relative_to(ROOT)) for path in DOMAIN_MODULES}
    assert {"accounts/errors.py", "organizations/errors.py", "twofactor/errors.py"} <= checked
