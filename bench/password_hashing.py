# ruff: noqa: E402 - a script: it sets the environment before Django loads, and prints.
"""Cost of a password login on one core: Argon2id (production) against PBKDF2 (before).

    DEBUG=true .venv/bin/python bench/password_hashing.py      # SQLite in memory, no services

Prints the median CPU time of one hash with each hasher, then logins per CPU-second through
``POST /api/login/`` in this process (Django's test client, so HTTP parsing by a server is not
included) with each hasher first. Not part of the test suite.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["CACHE_URL"] = "locmemcache://"
os.environ["PWNED_PASSWORDS_URL"] = ""
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["THROTTLE_LOGIN_EMAIL"] = os.environ["THROTTLE_LOGIN_IP"] = "1000000/min"

import django

django.setup()

from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.core.management import call_command
from django.test.utils import override_settings
from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple 42"  # noqa: S105 - a benchmark value
ARGON2ID = "accounts.hashers.Argon2idPasswordHasher"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def cpu_ms_per_hash(algorithm: str, rounds: int = 20) -> float:
    hasher = get_hasher(algorithm)
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        hasher.encode(PASSWORD, hasher.salt())
        samples.append(time.process_time() - start)
    return statistics.median(samples) * 1000


def logins_per_cpu_second(first: str, rounds: int = 40) -> float:
    from accounts.models import User

    with override_settings(PASSWORD_HASHERS=[first, ARGON2ID if first == PBKDF2 else PBKDF2]):
        User.objects.filter(email="bench@example.com").delete()
        User.objects.create_user("bench@example.com", PASSWORD, first_name="Bench")
        client = APIClient()
        start = time.process_time()
        for _ in range(rounds):
            response = client.post(
                "/api/login/", {"email": "bench@example.com", "password": PASSWORD}
            )
            if response.status_code != 200:
                raise SystemExit(f"login answered {response.status_code}")
        return rounds / (time.process_time() - start)


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    argon2 = get_hasher("argon2")
    print(f"hashers in settings: {settings.PASSWORD_HASHERS}")
    print(
        f"Argon2id m={argon2.memory_cost} KiB t={argon2.time_cost} p={argon2.parallelism}: "
        f"{cpu_ms_per_hash('argon2'):.1f} ms CPU per hash"
    )
    print(
        f"PBKDF2-SHA256 {get_hasher('pbkdf2_sha256').iterations} iterations: "
        f"{cpu_ms_per_hash('pbkdf2_sha256'):.1f} ms CPU per hash"
    )
    print(f"logins per CPU-second, Argon2id first: {logins_per_cpu_second(ARGON2ID):.1f}")
    print(f"logins per CPU-second, PBKDF2 first:   {logins_per_cpu_second(PBKDF2, 10):.1f}")
