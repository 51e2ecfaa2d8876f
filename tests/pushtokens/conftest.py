import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """These tests never check passwords; PBKDF2 would make every make_user() cost ~0.25 s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
