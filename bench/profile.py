"""cProfile of one hot request, in-process: ``.venv/bin/python -m bench.profile [path] [n]``.

With ``PROFILE_SESSION=1`` the requests carry a 2FA-verified session instead of an API key.

Run through bench/run's environment (``PROFILE=1 bench/run`` is not needed: set the same
variables), after a bench run created the bench user. Prints the top functions by own time.
"""

import cProfile
import os
import pstats
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "users_api.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts import key_crypto  # noqa: E402
from accounts.models import PersonalAPIKey, User  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else "/api/users/@me/"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
user = User.objects.get(email="bench@example.com")
value = key_crypto.generate()
PersonalAPIKey.objects.create(
    user=user,
    label="profile",
    scopes=["*"],
    secure_value=key_crypto.digest(value),
    mask_value=key_crypto.mask(value),
    last_used_at=django.utils.timezone.now(),
)
client = Client(headers={"Authorization": f"Bearer {value}"})
if os.environ.get("PROFILE_SESSION"):
    # A session as the bench's: password proved, second factor passed (bench/bench.py).
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import freshness
    from twofactor.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    freshness.stamp(session)
    session.save()
body = '{"token": "bench-device-token", "platform": "ios"}'


def call():
    if "push" in path:
        return client.post(path, body, content_type="application/json")
    return client.get(path)


for _ in range(20):
    assert call().status_code == 200
with CaptureQueriesContext(connection) as queries:
    call()
for query in queries:
    print(query["sql"][:160])
profiler = cProfile.Profile()
profiler.enable()
for _ in range(count):
    call()
profiler.disable()
stats = pstats.Stats(profiler)
print(f"{stats.total_tt / count * 1000:.2f} ms per request (profiled)")
stats.sort_stats("tottime").print_stats(25)
stats.sort_stats("cumulative").print_stats(45)
