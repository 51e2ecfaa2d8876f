def test_health_answers_without_touching_services(api_client):
    response = api_client.get("/_health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_database_and_cache(api_client, db):
    response = api_client.get("/_ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_a_json_404(api_client, db):
    response = api_client.get("/api/nope/")
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Not found.",
        "attr": None,
    }
