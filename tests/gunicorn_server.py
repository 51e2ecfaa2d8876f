"""Run the real WSGI application under gunicorn in a subprocess, for tests of the served process.

The server binds 127.0.0.1 on a port the kernel picks (read back from gunicorn's log) and is
stopped by its PID when the block ends.
"""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def suite_database_url() -> str:
    """The suite's test database as a URL, for the server and worker processes a test starts."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**variables: str) -> dict[str, str]:
    """A clean environment: nothing from the test process leaks in but the PATH."""
    return {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **variables}


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = 15) -> Reply:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1 only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


@contextmanager
def running_gunicorn(
    env: dict[str, str],
    startup_timeout: float = 30,
    log: list[str] | None = None,
    access_log: bool = False,
) -> Iterator[str]:
    """Start gunicorn with the committed config; yield its base URL.

    ``log``, if given, receives every line gunicorn writes to stderr (with ``access_log``, the
    access log too, in the committed format).
    """
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [GUNICORN, "-c", "gunicorn.conf.py", "users_api.wsgi:application"],
        cwd=ROOT,
        env={
            **env,
            "GUNICORN_BIND": "127.0.0.1:0",
            "GUNICORN_ACCESS_LOG": "/dev/stderr" if access_log else "",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    log = [] if log is None else log

    def pump() -> None:
        for line in process.stderr:
            log.append(line)
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        port, deadline = None, time.monotonic() + startup_timeout
        while port is None:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + "".join(log))
            try:
                match = _LISTENING.search(lines.get(timeout=0.2))
            except queue.Empty:
                continue
            port = int(match.group(1)) if match else None
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
