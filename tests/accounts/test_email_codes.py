"""The pure code logic: generation, normalisation of pasted codes, keyed digests."""

import re

import pytest

from accounts import email_codes


def test_codes_are_six_ascii_digits_and_vary():
    codes = {email_codes.generate() for _ in range(200)}
    assert all(len(code) == 6 and code.isascii() and code.isdigit() for code in codes)
    assert len(codes) > 190


@pytest.mark.parametrize(
    "raw",
    [
        "123456",
        " 123 456 ",
        "123-456",
        "12\u2013 34\u201156",  # en dash, non-breaking hyphen
        "123\u00a0456",  # no-break space
        "1\u200b2\u200c3\u200d4\u20605\ufeff6",  # zero-width characters and a BOM
        "12\u00ad3456",  # soft hyphen
        "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
        "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits
        "\u0967\u0968\u0969\u096a\u096b\u096c",  # Devanagari digits
        "\t123\n456\r\n",
    ],
)
def test_pasted_codes_are_normalised_to_ascii_digits(raw):
    assert email_codes.normalize(raw) == "123456"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "1234567",
        "12a456",
        "123 45",
        "¹²³⁴⁵⁶",
        "123456" + " " * 100,
        "12.3456",
        "0x1234",
    ],
)
def test_anything_else_is_not_a_code(raw):
    assert email_codes.normalize(raw) is None


def test_the_digest_binds_the_code_to_user_and_address():
    digest = email_codes.digest(user_id=7, target_email="a@example.com", code="123456")
    assert len(digest) == 64
    assert "123456" not in digest
    assert email_codes.matches(digest, user_id=7, target_email="A@example.com", code="123456")
    assert not email_codes.matches(digest, user_id=8, target_email="a@example.com", code="123456")
    assert not email_codes.matches(digest, user_id=7, target_email="b@example.com", code="123456")
    assert not email_codes.matches(digest, user_id=7, target_email="a@example.com", code="123457")


def test_the_digest_is_keyed_with_the_secret_key(settings):
    before = email_codes.digest(user_id=7, target_email="a@example.com", code="123456")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert email_codes.digest(user_id=7, target_email="a@example.com", code="123456") != before


@pytest.mark.parametrize(
    "raw",
    [
        "123456",
        "123-456",
        " 12 34 56 ",
        "\u200b123456",
        "١٢٣٤٥٦",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        "12345",
        "1234567",
        "12345a",
        "",
        "123456\x00",
        "-123456",
        "12\u201334\u201356",
    ],
)
def test_the_schema_pattern_accepts_exactly_what_normalize_reads(raw):
    assert (re.fullmatch(email_codes.INPUT_PATTERN, raw) is not None) == (
        email_codes.normalize(raw) is not None
    )
