"""docs/api.md and the OpenAPI schema agree: every route of one is named in the other."""

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"

# A path parameter in the schema may be written in the doc as a name in braces or, for the routes
# that accept only the caller (or only the calling key), as the literal ``@me`` / ``@current``.
_PARAMETER = r"(?:\{[a-z_]+\}|@me|@current)"


def _schema_paths() -> list[str]:
    return sorted(SchemaGenerator().get_schema(request=None, public=True)["paths"])


def _doc_paths(text: str) -> set[str]:
    """Every route the doc names: the /api/ or /_ paths inside backticks, query string dropped."""
    found = set()
    for quoted in re.findall(r"`([^`]*)`", text):
        for path in re.findall(r"(/(?:api|_)[A-Za-z0-9_/{}@.\-]*/)", quoted):
            found.add(path)
    return found - {"/api/"}  # the prefix, named in the conventions


def test_the_doc_names_every_route_of_the_schema():
    text = DOC.read_text()
    named = "\n".join(sorted(_doc_paths(text)))
    missing = [
        path
        for path in _schema_paths()
        if not re.search(
            "^" + re.sub(r"\\\{[a-z_]+\\\}", lambda _: _PARAMETER, re.escape(path)) + "$",
            named,
            re.MULTILINE,
        )
    ]
    assert missing == [], f"routes of the schema that docs/api.md does not name: {missing}"


@pytest.mark.parametrize("path", sorted(_doc_paths(DOC.read_text())))
def test_every_route_the_doc_names_exists(path):
    concrete = re.sub(r"\{[a-z_]+\}", "00000000-0000-4000-8000-000000000000", path)
    try:
        resolve(concrete)
    except Resolver404:
        pytest.fail(f"docs/api.md names {path}, which the service does not route")


def test_the_doc_points_nowhere_outside_the_repository():
    for path in [DOC, DOC.parent.parent / "README.md"]:
        assert "SPEC.md" not in path.read_text()
        assert "../" not in re.sub(r"\]\((?!\.\./)", "", path.read_text())
