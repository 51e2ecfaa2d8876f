"""Slow-header clients and probe timing, for the buffering-proxy test (and the measurement in
docs/deployment.md: ``python -m tests.slow_clients <base-url>``)."""

import contextlib
import getpass
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from tests.gunicorn_server import ROOT

NGINX_SITE = ROOT / "deploy" / "nginx" / "users-api.conf"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_nginx(upstream: str, workdir: Path) -> Iterator[str]:
    """Run the committed site config in front of ``upstream`` (host:port); yield its base URL.

    nginx runs as the current user with its own prefix, pid file and temp directories, so it
    needs no root and touches nothing outside ``workdir``.
    """
    port = free_port()
    site = NGINX_SITE.read_text()
    site = site.replace("server web:8000;", f"server {upstream};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (workdir / "users-api.conf").write_text(site)
    temp = {name: workdir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    (workdir / "nginx.conf").write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {workdir}/users-api.conf;
}}
"""
    )
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            shutil.which("nginx") or "nginx",
            "-p",
            str(workdir),
            "-c",
            str(workdir / "nginx.conf"),
            "-e",
            "stderr",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                raise RuntimeError("nginx did not start:\n" + process.stderr.read())
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not listen")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def slow_header_clients(base: str, count: int = 64, interval: float = 0.5) -> Iterator[None]:
    """``count`` connections that each send one more header byte every ``interval`` seconds."""
    address = urlsplit(base)
    stop = threading.Event()
    sockets: list[socket.socket] = []

    def connect() -> socket.socket:
        client = socket.create_connection((address.hostname, address.port), timeout=5)
        client.sendall(b"GET /_health/ HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
        return client

    for _ in range(count):
        sockets.append(connect())

    def trickle() -> None:
        while not stop.wait(interval):
            for index, client in enumerate(sockets):
                try:
                    client.send(b"a")
                except OSError:  # the server gave up on it: a new slow client takes its place
                    client.close()
                    with contextlib.suppress(OSError):
                        sockets[index] = connect()

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        for client in sockets:
            client.close()


def probe_latencies(base: str, probes: int = 40, every: float = 0.1, timeout: float = 5.0):
    """Time ``probes`` GET /_health/ on fresh connections; a failure counts as ``timeout``."""
    address = urlsplit(base)
    latencies = []
    for _ in range(probes):
        started = time.perf_counter()
        try:
            with socket.create_connection((address.hostname, address.port), timeout) as client:
                client.settimeout(timeout)
                client.sendall(
                    b"GET /_health/ HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n"
                )
                reply = b""
                while chunk := client.recv(65536):
                    reply += chunk
            ok = reply.startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        elapsed = time.perf_counter() - started
        latencies.append(elapsed if ok else timeout)
        time.sleep(every)
    return latencies


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


if __name__ == "__main__":
    url = sys.argv[1]
    with slow_header_clients(url):
        time.sleep(1)
        measured = probe_latencies(url)
    failed = sum(1 for value in measured if value >= 5.0)
    print(  # noqa: T201 - a command-line measurement
        f"{url}: p50 {sorted(measured)[len(measured) // 2] * 1000:.0f} ms, "
        f"p99 {p99(measured) * 1000:.0f} ms, {failed}/{len(measured)} probes failed"
    )
