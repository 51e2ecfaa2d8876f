"""The hot paths against a raw floor, in the same run: ``make bench`` (see docs/performance.md).

Serves the service and the floor (``bench/floor.py``) with the committed gunicorn config on
PostgreSQL + Redis, creates its own user (team, memberships, scene pins, TOTP, backup codes), API
key and 2FA-verified session, then runs wrk on each scenario, alternating service and floor,
for ``ROUNDS`` rounds of ``DURATION``. Prints the medians, the ratio to the floor and the SQL
statements per request; for the logins also logins per second per core and per CPU-second of the
web processes. Environment: DATABASE_URL, CACHE_URL (the bench flushes nothing, but
writes its own rows), DURATION (10s), ROUNDS (3), CONNECTIONS (8), THREADS (2), ONLY
(comma-separated words: only the scenarios whose name holds one), WARMUP (2s: each scenario
on each side before the rounds, not counted).
"""

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATION = os.environ.get("DURATION", "10s")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNECTIONS = os.environ.get("CONNECTIONS", "8")
THREADS = os.environ.get("THREADS", "2")
WARMUP = os.environ.get("WARMUP", "2s")  # per scenario and side, before the rounds; not counted
EMAIL = "bench@example.com"
PASSWORD = "bench-password-Correct-Horse-9"  # noqa: S105 - the bench's own throwaway user
LOGIN_EMAIL = "bench-login@example.com"
LOGIN_PBKDF2_EMAIL = "bench-login-pbkdf2@example.com"


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    auth: str  # "key", "session" or "none"
    script: str | None = None  # wrk Lua script (POST)
    login_email: str | None = None  # the login scenarios' user
    service: str = "service"  # "service_pbkdf2": the service with PBKDF2 first (before Argon2id)
    target: float | None = None  # the ratio to the floor the issue asks for
    aim: float | None = None
    # Tables the scenario updates over and over: vacuumed before each run (see vacuum()).
    churns: tuple[str, ...] = ()


SCENARIOS = [
    Scenario("GET @me (key)", "/api/users/@me/", "key", target=0.25, aim=0.50),
    Scenario(
        "POST push_tokens upsert (key)",
        "/api/users/@me/push_tokens/",
        "key",
        script="bench/push_token.lua",
        target=0.30,
        aim=0.60,
        churns=("pushtokens_pushtoken",),
    ),
    Scenario(
        "GET two_factor_status (session)",
        "/api/users/@me/two_factor_status/",
        "session",
        target=0.35,
        aim=0.65,
    ),
    Scenario(
        "POST two_factor_backup_codes (session)",
        "/api/users/@me/two_factor_backup_codes/",
        "session",
        script="bench/post_empty.lua",
        churns=("twofactor_backupcodeset", "twofactor_backupcode"),
    ),
    # Issue 16: a password login (no second factor) costs one hash; no target, reported as
    # logins per second per core. The login throttles are raised for the bench (bench/run).
    Scenario(
        "POST login (Argon2id)",
        "/api/login/",
        "none",
        script="bench/login.lua",
        login_email=LOGIN_EMAIL,
    ),
    Scenario(
        "POST login (PBKDF2, before)",
        "/api/login/",
        "none",
        script="bench/login.lua",
        login_email=LOGIN_PBKDF2_EMAIL,
        service="service_pbkdf2",
    ),
]


# ONLY=me,status runs the scenarios whose name contains one of the words (all by default).
_ONLY = [word for word in os.environ.get("ONLY", "").split(",") if word]
if _ONLY:
    SCENARIOS = [s for s in SCENARIOS if any(word in s.name for word in _ONLY)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup() -> dict[str, str]:
    """Create the bench user and its credentials; count statements per request in-process."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")
    django.setup()
    import pyotp
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import freshness, key_crypto
    from accounts.models import PersonalAPIKey, User, UserScenePersonalisation
    from organizations.models import Dashboard, Organization, OrganizationMembership, Team
    from twofactor import totp
    from twofactor.models import TOTPDevice
    from twofactor.services import backup_codes, setup

    call_command("migrate", interactive=False, verbosity=0)
    User.objects.filter(email__in=[EMAIL, LOGIN_EMAIL, LOGIN_PBKDF2_EMAIL]).delete()
    User.objects.create_user(LOGIN_EMAIL, PASSWORD, first_name="Login", is_email_verified=True)
    before = User.objects.create_user(LOGIN_PBKDF2_EMAIL, None, first_name="Login")
    before.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    before.save(update_fields=["password"])
    Organization.objects.filter(slug__startswith="bench-").delete()
    user = User.objects.create_user(EMAIL, PASSWORD, first_name="Bench", is_email_verified=True)
    for n in range(2):
        organization = Organization.objects.create(name=f"Bench {n}", slug=f"bench-{n}")
        team = Team.objects.create(organization=organization, name="Default project")
        OrganizationMembership.objects.create(organization=organization, user=user, level=15)
        if n == 0:
            user.current_organization, user.current_team = organization, team
            user.save(update_fields=["current_organization", "current_team"])
    for scene in ("Dashboards", "Insights"):
        dashboard = Dashboard.objects.create(team=user.current_team, name=scene)
        UserScenePersonalisation.objects.create(
            user=user, team=user.current_team, scene=scene, dashboard=dashboard
        )
    secret = totp.new_secret()
    setup.confirm_totp_setup(
        user=user, secret=secret, code=pyotp.TOTP(totp.to_base32(secret)).now()
    )
    backup_codes.regenerate_backup_codes(user=user)
    value = key_crypto.generate()
    PersonalAPIKey.objects.create(
        user=user,
        label="bench",
        scopes=["*"],
        secure_value=key_crypto.digest(value),
        mask_value=key_crypto.mask(value),
        last_used_at=timezone.now(),  # the hourly write is not what the bench measures
    )
    # A session as the two login steps leave it: password proved just now, second factor passed.
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    freshness.stamp(session)
    session.save()
    csrf = _get_new_csrf_string()
    credentials = {
        "key": f"Authorization: Bearer {value}",
        "session": f"Cookie: sessionid={session.session_key}; csrftoken={csrf}",
        "csrf": f"X-CSRFToken: {csrf}",
    }
    client.cookies["csrftoken"] = csrf
    counts = {}
    for scenario in SCENARIOS:
        headers = (
            {"Authorization": f"Bearer {value}"}
            if scenario.auth == "key"
            else {"X-CSRFToken": csrf}
        )
        caller = client if scenario.auth == "session" else Client()
        hashers = (
            ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
            if scenario.service == "service_pbkdf2"
            else settings.PASSWORD_HASHERS
        )
        with (
            CaptureQueriesContext(connection) as queries,
            override_settings(PASSWORD_HASHERS=hashers),
        ):
            if scenario.login_email:
                body = json.dumps({"email": scenario.login_email, "password": PASSWORD})
                response = caller.post(scenario.path, body, content_type="application/json")
            elif scenario.script:
                body = (
                    '{"token": "bench-device-token", "platform": "ios"}'
                    if "push" in (scenario.path)
                    else ""
                )
                response = caller.post(
                    scenario.path, body, content_type="application/json", headers=headers
                )
            else:
                response = caller.get(scenario.path, headers=headers)
        assert response.status_code == 200, (scenario.name, response.content)
        counts[scenario.name] = str(len(queries))
    return credentials | {f"count:{name}": n for name, n in counts.items()}


def serve(target: str, port: int, settings_module: str | None = None) -> subprocess.Popen:
    env = os.environ | {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""}
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", target],
        cwd=ROOT,
        env=env,
        stderr=open(f"/tmp/bench-{port}.log", "w"),  # noqa: SIM115, S108
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_health/", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{target} did not start; see /tmp/bench-{port}.log")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU of a gunicorn master and its workers so far (Linux ``/proc``).

    On a host shared with other work, requests per second measure the share the server got;
    requests per CPU-second of its own processes do not depend on that share (PostgreSQL's and
    Redis's CPU is not in it).
    """
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    ticks = 0
    for pid in [str(server.pid), *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that just exited
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def vacuum(scenario: Scenario) -> None:
    """VACUUM what the scenario churns, as autovacuum would between runs.

    The push upsert rewrites one row thousands of times a second; with autovacuum off (as on the
    machines this bench ran on) its dead versions pile up run after run and each side's rate
    falls with the order it ran in.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        for table in scenario.churns:
            cursor.execute(f"VACUUM {connection.ops.quote_name(table)}")


def wrk(
    port: int,
    scenario: Scenario,
    credentials: dict[str, str],
    duration: str = DURATION,
    server: subprocess.Popen | None = None,
) -> dict[str, float]:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}", "--latency"]
    command += ["--timeout", "30s"]
    if scenario.auth != "none":
        command += ["-H", credentials[scenario.auth]]
    if scenario.auth == "session":
        command += ["-H", credentials["csrf"]]
    if scenario.script:
        command += ["-s", str(ROOT / scenario.script)]
    command.append(f"http://127.0.0.1:{port}{scenario.path}")
    env = os.environ | {"BENCH_LOGIN_EMAIL": scenario.login_email or ""}
    vacuum(scenario)
    cpu_before = cpu_seconds(server) if server else 0.0
    output = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=True, env=env
    ).stdout
    cpu = cpu_seconds(server) - cpu_before if server else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if errors or socket_errors:
        print(
            f"   !! {scenario.name} on :{port}: {errors and errors.group(0)} "
            f"{socket_errors and socket_errors.group(0)}",
            file=sys.stderr,
        )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "errors": float(errors.group(1)) if errors else 0.0,
        "per_cpu_second": int(re.search(r"(\d+) requests in", output).group(1)) / cpu
        if cpu
        else float("nan"),
    }


def main() -> None:
    credentials = setup()
    targets = {
        "service": ("users_api.wsgi:application", None),
        "floor": ("bench.floor:app", None),
        "service_pbkdf2": ("users_api.wsgi:application", "bench.settings_pbkdf2"),
    }
    needed = {"floor"} | {scenario.service for scenario in SCENARIOS}
    ports = {name: free_port() for name in targets if name in needed}
    servers = {
        port: serve(targets[name][0], port, targets[name][1]) for name, port in ports.items()
    }
    processes = list(servers.values())
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        # Warm-up, not counted: every worker imports, connects and compiles its queries once.
        for scenario in SCENARIOS:
            for name in (scenario.service, "floor"):
                wrk(ports[name], scenario, credentials, duration=WARMUP)
        for round_ in range(ROUNDS):
            for scenario in SCENARIOS:
                # Interleaved, and the order alternates: neither side always runs first.
                sides = [("service", ports[scenario.service]), ("floor", ports["floor"])]
                for side, port in sides if round_ % 2 == 0 else sides[::-1]:
                    result = wrk(port, scenario, credentials, server=servers[port])
                    results.setdefault((scenario.name, side), []).append(result)
                    print(
                        f"   round {round_ + 1} {scenario.name:40} {side:7} "
                        f"{result['rps']:8.1f} rps  p50 {result['p50']:7.1f} ms  "
                        f"p99 {result['p99']:7.1f} ms",
                        file=sys.stderr,
                    )
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    print(report(results, credentials))


SIDES = ("service", "floor")


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def report(results: dict, credentials: dict[str, str]) -> str:
    workers = os.environ.get("WEB_CONCURRENCY") or "config default"
    lines = [
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}, {ROUNDS} interleaved rounds, medians; "
        f"gunicorn.conf.py (workers: {workers}, threads: "
        f"{os.environ.get('GUNICORN_THREADS') or 'config default'})",
        "",
        "| scenario | service rps | p50 ms | p99 ms | floor rps | p50 ms | p99 ms "
        "| ratio | target (aim) | p99 vs 2x floor | statements service / floor |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        service, floor = results[(scenario.name, "service")], results[(scenario.name, "floor")]
        ratio = _median(service, "rps") / (_median(floor, "rps") or float("nan"))
        if scenario.target is None:
            verdict = "none"
        else:
            verdict = f"{scenario.target:.2f} ({scenario.aim:.2f}) " + (
                "**met**" if ratio >= scenario.target else "**missed**"
            )
        p99_ok = _median(service, "p99") <= 2 * _median(floor, "p99")
        floor_statements = {
            "GET @me (key)": "2",
            "POST push_tokens upsert (key)": "3",
            "GET two_factor_status (session)": "2",
            "POST two_factor_backup_codes (session)": "7 + BEGIN/COMMIT",
            "POST login (Argon2id)": "1 + a Redis SET",
            "POST login (PBKDF2, before)": "1 + a Redis SET",
        }[scenario.name]
        lines.append(
            f"| {scenario.name} | {_median(service, 'rps'):.1f} | {_median(service, 'p50'):.1f} "
            f"| {_median(service, 'p99'):.1f} | {_median(floor, 'rps'):.1f} "
            f"| {_median(floor, 'p50'):.1f} | {_median(floor, 'p99'):.1f} | {ratio:.2f}x "
            f"| {verdict} | {'met' if p99_ok else 'missed'} "
            f"| {credentials['count:' + scenario.name]} / {floor_statements} |"
        )
    cores = len(os.sched_getaffinity(0))
    for scenario in SCENARIOS:
        if scenario.login_email:
            service, floor = (_median(results[(scenario.name, side)], "rps") for side in SIDES)
            lines.append(
                f"\n{scenario.name}: {service / cores:.1f} logins per second per core "
                f"(floor {floor / cores:.1f}; {cores} cores)"
            )
            service, floor = (
                _median(results[(scenario.name, side)], "per_cpu_second") for side in SIDES
            )
            lines.append(
                f"{scenario.name}: {service:.1f} logins per CPU-second of the web processes "
                f"(floor {floor:.1f}; PostgreSQL and Redis not included)"
            )
    lines.append("")
    lines.append(
        "Service statements are counted in-process (Django test client, same settings) and "
        "include SAVEPOINT/RELEASE for a transaction; the floor's are by construction."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
