"""Gunicorn settings for production: ``gunicorn -c gunicorn.conf.py users_api.wsgi:application``.

Sizing follows the CPUs this process may use; every value can be overridden from the
environment (or with gunicorn's own command-line flags).
"""

import os
import tempfile
from pathlib import Path
from typing import Any


def _cpus() -> int:
    """CPUs available to this process (a container's cpuset, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# Bind address: GUNICORN_BIND wins, else HOST:PORT (all interfaces in a container).
bind = os.environ.get("GUNICORN_BIND") or (
    f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
)

# Synchronous workers, 2 x CPUs, chosen by measurement (docs/performance.md, "gunicorn workers"):
# on 2 cores 3 and 4 workers served the hot paths 5-15% faster than 5 or 6 (fewer processes
# contending for the cores), and threads (gthread) were no faster and less steady. A second
# worker per core keeps the core busy while one waits on PostgreSQL or Redis. Each worker (each
# thread) keeps one database connection: size PostgreSQL's max_connections for workers x threads
# (docs/scaling.md).
workers = _int("WEB_CONCURRENCY", 2 * _cpus())
threads = _int("GUNICORN_THREADS", 1)

# A request slower than this is killed (connecting to the database gives up after ~2 s).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle a worker after this many requests (a guard against slow leaks; jitter avoids a herd).
# A fresh worker pays its first requests' set-up (database pool, prepared statements): at 2,000
# that happened every few seconds per node under load and was the whole p99 tail of `make bench`
# (@me p99 125 ms with 2,000, 14 ms without recycling; docs/performance.md).
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 5000)

# Import the application once in the master: a configuration error (no SECRET_KEY) stops the
# server at start-up with a clear message instead of workers crash-looping. Nothing connects to
# the database at import time, so forked workers never share a connection.
preload_app = True

# Trust X-Forwarded-* only from the reverse proxy in front of us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# The application logs every request itself (users_api.observability, with the request id and
# LOG_FORMAT); set GUNICORN_ACCESS_LOG=- for gunicorn's own access log as well.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Gunicorn's default format, without the query string and the Referer: a password reset link
# carries its token in both (``/api/reset/<uuid>/?token=…``, and the web app's page that calls
# it), and secrets never go to the logs.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Heartbeat files on a RAM disk when there is one (Docker's /tmp may be an overlay filesystem).
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's own recommendation; it only holds heartbeat files
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# Prometheus multiprocess mode: every worker writes its samples under this directory and
# /metrics sums them, whichever worker answers the scrape. Emptied at each start so a restart
# does not add the previous run's counts; set before the application (and prometheus_client) is
# imported, which preload_app does right after this file.
_metrics_dir = Path(
    os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="users-api-metrics-")
)
_metrics_dir.mkdir(parents=True, exist_ok=True)
for _stale in _metrics_dir.glob("*.db"):
    _stale.unlink()
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def child_exit(server: Any, worker: Any) -> None:
    """Let prometheus_client drop a dead worker's live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server: Any) -> None:
    """Freeze what the preloaded application made, before the workers fork from it.

    Imported modules, settings and compiled URL patterns live as long as the process. In the
    collector's permanent generation they are no longer scanned by each worker's full
    collections: measured in-process over 3,000 @me requests, a full collection took 43 ms
    over ~146,000 tracked objects, 2.7 ms with them frozen (docs/performance.md).
    """
    import gc

    gc.freeze()
