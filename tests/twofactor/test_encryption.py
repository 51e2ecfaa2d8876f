"""TOTP seeds are encrypted at rest, and the keys rotate (docs/api.md §2.6, §5
FIELD_ENCRYPTION_KEYS).
"""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from twofactor import totp
from twofactor.models import TOTPDevice
from users_api import encryption

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def raw_key_column(device: TOTPDevice) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM twofactor_totpdevice WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def device(make_user, settings) -> TOTPDevice:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    secret = totp.new_secret()
    return TOTPDevice.objects.create(user=make_user(), name="app", key=secret.hex())


@pytest.mark.django_db
def test_the_stored_row_holds_no_plaintext_seed(device):
    seed = device.bin_key
    raw = raw_key_column(device)

    for form in (
        seed.hex(),
        seed.hex().upper(),
        totp.to_base32(seed),
        totp.to_base32(seed).lower(),
    ):
        assert form not in raw
    assert Fernet(KEY_A).decrypt(raw.encode()) == seed.hex().encode()
    assert TOTPDevice.objects.get(pk=device.pk).bin_key == seed


@pytest.mark.django_db
def test_a_new_first_key_still_reads_old_rows_and_rotation_rewrites_them(device, settings):
    seed = device.key
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    assert TOTPDevice.objects.get(pk=device.pk).key == seed
    with pytest.raises(InvalidToken):
        Fernet(KEY_B).decrypt(raw_key_column(device).encode())

    out = io.StringIO()
    call_command("rotate_totp_seeds", stdout=out)
    assert "Re-encrypted 1" in out.getvalue()

    assert Fernet(KEY_B).decrypt(raw_key_column(device).encode()).decode() == seed
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # the old key can now be dropped
    assert TOTPDevice.objects.get(pk=device.pk).key == seed


@pytest.mark.django_db
def test_a_row_no_configured_key_can_read_fails_loudly(device, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ImproperlyConfigured):
        TOTPDevice.objects.get(pk=device.pk)


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    token_a = encryption.encrypt("seed")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    token_b = encryption.encrypt("seed")

    assert encryption.decrypt(token_a) == encryption.decrypt(token_b) == "seed"
    assert Fernet(KEY_B).decrypt(token_b.encode()) == b"seed"
    assert Fernet(KEY_B).decrypt(encryption.rotate(token_a).encode()) == b"seed"


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured) as error:
        encryption.encrypt("seed")
    assert "not-a-fernet-key" not in str(error.value)
