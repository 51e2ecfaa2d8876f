"""The OpenAPI document shows both authentication schemes and what each operation accepts."""

import pytest


@pytest.fixture
def schema(api_client, db):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_both_schemes_are_documented(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["PersonalAPIKey"]["type"] == "http"
    assert schemes["PersonalAPIKey"]["scheme"] == "bearer"
    assert schemes["Session"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def test_session_only_operations_do_not_offer_the_key_scheme(schema):
    for method, operation in schema["paths"]["/api/personal_api_keys/"].items():
        assert operation["security"] == [{"Session": []}], method
        assert operation["x-api-key-scopes"] == []


def test_current_key_is_documented_as_key_only_with_its_scope(schema):
    operation = schema["paths"]["/api/personal_api_keys/@current/"]["get"]

    assert operation["security"] == [{"PersonalAPIKey": []}]
    assert operation["x-api-key-scopes"] == ["user:read"]
    assert "`user:read`" in operation["description"]


def test_anonymous_operations_allow_no_credentials(schema):
    for path in ("/api/signup/", "/api/login/", "/api/logout/"):
        assert {} in schema["paths"][path]["post"]["security"], path


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"503"}
            if operation.get("security") != [{}] or path.startswith("/api/"):
                expected |= {"401", "403"}
            if method in {"post", "put", "patch"}:
                expected |= {"400", "413", "415"}
            if "{" in path:
                expected.add("404")
            missing = expected - set(responses)
            assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
            for status in set(responses) - {"200", "201", "204"}:
                content = responses[status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path)
