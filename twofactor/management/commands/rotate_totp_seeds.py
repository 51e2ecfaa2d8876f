"""Re-encrypt every TOTP seed with the first key of FIELD_ENCRYPTION_KEYS."""

from typing import Any

from django.core.management.base import BaseCommand

from twofactor.services import key_rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt TOTP seeds under the first key of FIELD_ENCRYPTION_KEYS. Run it after putting "
        "a new key first; afterwards the old keys can be removed from the list."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = key_rotation.reencrypt_totp_seeds()
        self.stdout.write(f"Re-encrypted {count} TOTP seed(s).")
