"""The password hasher: Argon2id at the OWASP password-storage minimum (issue 16).

OWASP's first Argon2id configuration: 19 MiB of memory, 2 passes, 1 lane. One lane, because a
login holds one core anyway and lanes only add threads; 19 MiB rather than Django's default
100 MiB x 8 lanes, so a burst of concurrent logins stays within a small worker's memory.
Measured on this service's machine kind (2 vCPU AMD EPYC, loaded): 17-21 ms of one core per
hash, against about 225 ms for PBKDF2-SHA256 at Django 5.2's 1,000,000 iterations
(``docs/passwords.md`` has the commands and numbers).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    # Django's Argon2 hasher is Argon2id; only the cost parameters differ. Encoded hashes carry
    # their parameters, so changing these upgrades each hash at its user's next login.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
