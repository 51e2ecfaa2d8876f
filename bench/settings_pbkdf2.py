"""The service as it was before Argon2id (issue 16): PBKDF2 first, for the login scenario's
"before" run only (``make bench`` serves it on a third port). Not for any real deployment.
"""

from users_api.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "accounts.hashers.Argon2idPasswordHasher",
]
