"""Re-encrypting the TOTP seeds after a new key is put first (``rotate_totp_seeds``)."""

from twofactor.models import TOTPDevice


def reencrypt_totp_seeds(*, batch_size: int = 500) -> int:
    """Re-encrypt every seed under the first key of ``FIELD_ENCRYPTION_KEYS`` (key rotation)."""
    count = 0
    for device in TOTPDevice.objects.only("pk", "key").iterator(chunk_size=batch_size):
        # Saving encrypts with the current first key; only the key column is written.
        device.save(update_fields=["key"])
        count += 1
    return count
