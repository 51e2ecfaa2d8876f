"""Request ids, probes for any Host, JSON logs and Prometheus metrics (issue 12 items 3-4)."""

import concurrent.futures
import json
import secrets

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.gunicorn_server import fetch, running_gunicorn, suite_database_url
from tests.test_serving import production_env


def test_a_request_id_is_generated_and_returned(api_client):
    response = api_client.get("/api/users/@me/")
    assert response.status_code == 401
    assert len(response["X-Request-ID"]) == 32


def test_a_safe_client_request_id_is_echoed(api_client):
    offered = "req-" + "a" * 124  # 128 visible characters
    response = api_client.get("/_health/", HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-ID"] == offered


@pytest.mark.parametrize("offered", ["a" * 129, "has space", "tab\there", "é-not-ascii", ""])
def test_an_unsafe_client_request_id_is_replaced(api_client, offered):
    response = api_client.get("/_health/", HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/_health/", "/_ready/"])
def test_probes_answer_any_host(api_client, path):
    response = api_client.get(path, HTTP_HOST="10.244.1.17:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_other_paths_still_refuse_an_unknown_host(api_client):
    response = api_client.get("/api/users/@me/", HTTP_HOST="10.244.1.17:8000")
    assert response.status_code == 400


@pytest.mark.parametrize("token", ["", "right-token"])
def test_metrics_do_not_exist_without_the_token(api_client, settings, token):
    settings.METRICS_TOKEN = token
    assert api_client.get("/metrics").status_code == 404
    wrong = api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token")
    assert wrong.status_code == 404
    assert wrong.json()["code"] == "not_found"


def test_metrics_count_requests_by_route_and_status(api_client, settings):
    settings.METRICS_TOKEN = "scrape-token"
    labels = {"route": "/api/users/<str:uuid>/", "method": "GET", "status": "401"}
    before = REGISTRY.get_sample_value("users_api_http_requests_total", labels) or 0
    api_client.get("/api/users/@me/")
    api_client.get("/api/users/@me/")
    scrape = api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert scrape.status_code == 200
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scrape.content.decode())
        for s in family.samples
    }
    assert samples[("users_api_http_requests_total", tuple(sorted(labels.items())))] == before + 2


@pytest.mark.django_db
def test_throttle_refusals_are_counted(api_client, settings):
    labels = {"scope": "LoginView"}
    before = REGISTRY.get_sample_value("users_api_throttle_refusals_total", labels) or 0
    statuses = [
        api_client.post(
            "/api/login/", {"email": "nobody@example.com", "password": "wrong"}
        ).status_code
        for _ in range(12)
    ]
    assert 429 in statuses
    after = REGISTRY.get_sample_value("users_api_throttle_refusals_total", labels)
    assert after == before + statuses.count(429)


def _scrape(base: str, token: str) -> dict:
    reply = fetch(f"{base}/metrics", {"Authorization": f"Bearer {token}"})
    assert reply.status == 200, reply.body
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(reply.body.decode())
        for s in family.samples
    }


@pytest.mark.postgres
def test_gunicorn_workers_share_counts_and_log_json(db, tmp_path):
    """Two workers answer concurrent requests; one scrape counts them all; logs are JSON."""
    token = secrets.token_urlsafe(16)
    metrics_dir = tmp_path / "metrics"
    env = production_env(
        DATABASE_URL=suite_database_url(),
        CACHE_URL="locmemcache://",
        WEB_CONCURRENCY="2",
        METRICS_TOKEN=token,
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        SECURE_SSL_REDIRECT="false",
    )
    log: list[str] = []
    replies: list = []
    with running_gunicorn(env, log=log) as base:
        # Which worker accepts a connection is the kernel's choice: on a busy machine one worker
        # can take a whole batch, so send batches (at most ten) until both have answered.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for batch in range(10):
                replies += pool.map(
                    lambda n: fetch(f"{base}/_ready/", {"X-Request-ID": f"probe-{n}"}),
                    range(40 * batch, 40 * batch + 40),  # every probe has its own id
                )
                pids = {path.name for path in metrics_dir.glob("counter_*.db")}
                if len(pids) >= 2:
                    break
        hits = len(replies)
        me = fetch(f"{base}/api/users/@me/", {"X-Request-ID": "me-1"})
        samples = _scrape(base, token)

    assert [r.status for r in replies] == [200] * hits
    assert (me.status, me.headers["X-Request-ID"]) == (401, "me-1")
    key = (
        "users_api_http_requests_total",
        (("method", "GET"), ("route", "/_ready/"), ("status", "200")),
    )
    assert samples[key] == hits
    assert len(pids) >= 2, "both workers answered some requests"

    records = [json.loads(line) for line in log if line.startswith("{")]
    access = [r for r in records if r["logger"] == "users_api.access"]
    me_line = next(r for r in access if r["request_id"] == "me-1")
    assert me_line["level"] == "INFO"
    assert (me_line["method"], me_line["path"], me_line["status"]) == (
        "GET",
        "/api/users/@me/",
        401,
    )
    assert me_line["duration_ms"] > 0
    assert "user_id" in me_line
    # Every probe has its own id (probe-0 .. probe-<hits - 1>): each one sent is in the log.
    assert {f"probe-{n}" for n in range(hits)} <= {r["request_id"] for r in access}
