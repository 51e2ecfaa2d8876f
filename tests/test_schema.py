"""The OpenAPI schema and its documentation pages, served offline."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

SNAPSHOT = Path(__file__).resolve().parent.parent / "openapi.yaml"


def test_the_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert generated.read_text() == SNAPSHOT.read_text(), (
        "The API changed: run `make schema` and commit openapi.yaml."
    )


def test_the_schema_is_served_to_anonymous_callers(api_client, db):
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/users/{uuid}/" in response.content

    as_json = api_client.get("/api/schema/", {"format": "json"})
    assert as_json.status_code == 200
    assert as_json.json()["openapi"].startswith("3.")


@pytest.mark.parametrize("version", ["\x00", "a\nb", "<2>"])
def test_a_version_parameter_is_ignored(api_client, db, version):
    # It went into Content-Disposition: a control character there was an HTML 500 from gunicorn.
    response = api_client.get("/api/schema/", {"format": "json", "version": version})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="Users API.json"'
    assert response.json()["info"]["version"] == "1.0.0"


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_errors_of_the_documentation_are_json(api_client, db, url):
    # These views render YAML or HTML; their errors used to as well ("401 Unauthorized").
    refused = api_client.get(url, HTTP_AUTHORIZATION="Bearer phx_not_a_key")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["code"] == "authentication_failed"
    assert set(refused.json()) == {"type", "code", "detail", "attr"}
    wrong_method = api_client.post(url)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


def _static_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)


def test_swagger_ui_is_served_with_local_assets_only(api_client, db):
    response = api_client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "cdn." not in html  # offline: nothing is loaded from a CDN
    assets = _static_urls(html)
    assert any("swagger-ui-bundle" in url for url in assets)
    for url in assets:
        assert api_client.get(url).status_code == 200, url


def test_redoc_is_served_with_local_assets_only(api_client, db):
    response = api_client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html
    assets = _static_urls(html)
    assert any("redoc" in url for url in assets)
    for url in assets:
        assert api_client.get(url).status_code == 200, url


def test_the_alias_routes_are_deprecated_and_the_main_ones_are_not(api_client, db):
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert paths["/api/users/{uuid}/start_2fa_setup/"]["get"]["deprecated"] is True
    assert paths["/api/users/{uuid}/validate_2fa/"]["post"]["deprecated"] is True
    assert "deprecated" not in paths["/api/users/{uuid}/two_factor_start_setup/"]["get"]
    assert "deprecated" not in paths["/api/users/{uuid}/two_factor_validate/"]["post"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_viewers_name_no_other_host_and_forbid_loading_from_one(api_client, db, url):
    """No web fonts, no vendor logo: the page names no other host, and its policy allows 'self'."""
    response = api_client.get(url)
    assert response.status_code == 200
    assert re.findall(r"https?://", response.content.decode()) == []
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    for directive in ["default-src", "img-src", "font-src", "connect-src", "style-src"]:
        sources = policy[directive].split()
        assert "'self'" in sources
        assert not [source for source in sources if "." in source or source == "*"], directive
