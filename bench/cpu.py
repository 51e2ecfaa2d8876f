"""CPU time per request of the hot paths, in-process: ``make bench-cpu``.

Calls the WSGI application directly (no gunicorn, no network client) with the bench's
credentials and reports the process's CPU time per request (``time.process_time``), the best of
three batches. CPU time does not count waiting for PostgreSQL or Redis, and another process
on the host changes it much less than it changes requests per second, so this is the figure
for an A/B of a code change on a shared machine. ``bench/bench.py`` stays the measure against
the floor.

Environment: as ``bench/run`` sets it (``BENCH_MODULE=cpu bench/run`` runs this module);
``REQUESTS`` (2000) per batch; ``ONLY`` as for the bench.
"""

import io
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.bench import SCENARIOS, setup

REQUESTS = int(os.environ.get("REQUESTS", "2000"))
PUSH_BODY = b'{"token": "bench-device-token", "platform": "ios"}'


def _environ(scenario: Any, credentials: dict[str, str]) -> Callable[[], dict[str, Any]]:
    body = PUSH_BODY if "push" in scenario.path else b""
    method = "POST" if scenario.script else "GET"
    headers: dict[str, str] = {}
    if scenario.auth != "none":
        lines = [credentials[scenario.auth]]
        if scenario.auth == "session":
            lines.append(credentials["csrf"])
        for line in lines:
            name, _, value = line.partition(": ")
            headers["HTTP_" + name.upper().replace("-", "_")] = value

    def make() -> dict[str, Any]:
        return {
            "REQUEST_METHOD": method,
            "PATH_INFO": scenario.path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json" if body else "",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            **headers,
        }

    return make


def main() -> None:
    credentials = setup()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    def call(make: Callable[[], dict[str, Any]]) -> None:
        response = application(make(), start_response)
        b"".join(response)
        response.close()

    for scenario in SCENARIOS:
        if scenario.login_email or "backup_codes" in scenario.path:
            continue  # a hash per request: bench/password_hashing.py measures those
        make = _environ(scenario, credentials)
        for _ in range(200):  # warm-up: imports, compiled queries, prepared statements
            call(make)
        if not statuses[-1].startswith("200"):
            raise SystemExit(f"{scenario.name}: {statuses[-1]}")
        batches = []
        for _ in range(3):
            started = time.process_time()
            for _ in range(REQUESTS):
                call(make)
            batches.append((time.process_time() - started) / REQUESTS * 1e6)
        print(
            f"{scenario.name:40} {min(batches):6.0f} us CPU per request "
            f"(best of 3 x {REQUESTS}: {', '.join(f'{b:.0f}' for b in batches)})"
        )


if __name__ == "__main__":
    main()
