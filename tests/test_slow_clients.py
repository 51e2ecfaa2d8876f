"""The committed nginx config keeps gunicorn's sync workers free of slow clients (issue 12)."""

import shutil
import time

import pytest

from tests.gunicorn_server import running_gunicorn, suite_database_url
from tests.slow_clients import p99, probe_latencies, running_nginx, slow_header_clients
from tests.test_serving import production_env


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (.ci/run installs it)")
def test_slow_header_clients_leave_health_fast_behind_nginx(db, tmp_path):
    env = production_env(
        DATABASE_URL=suite_database_url(),
        CACHE_URL="locmemcache://",
        WEB_CONCURRENCY="3",
        SECURE_SSL_REDIRECT="false",
        NUM_PROXIES="1",
    )
    with (
        running_gunicorn(env) as upstream,
        running_nginx(upstream.removeprefix("http://"), tmp_path) as base,
        slow_header_clients(base, count=64, interval=0.5),
    ):
        time.sleep(1)  # every slow client has connected and started trickling
        latencies = probe_latencies(base, probes=40)
    assert p99(latencies) <= 0.25, sorted(latencies)
