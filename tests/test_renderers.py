"""The orjson renderer writes exactly DRF's bytes (issue 10: nothing in the contract changes)."""

import datetime
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from users_api.renderers import ORJSONRenderer

SAMPLES = [
    {"a": 1, "b": [True, None, 1.5], "c": {"d": "é ✓ 日本"}},
    {"at": datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)},
    {"at": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)},
    {"d": datetime.date(2026, 1, 2), "t": datetime.time(3, 4, 5, 600)},
    {"id": uuid.uuid4(), "n": decimal.Decimal("1.10"), "t": datetime.timedelta(seconds=90)},
    {"js": "line\u2028separator\u2029paragraph"},
    {"big": 2**70},
    {"lazy": gettext_lazy("Not found.")},
    [],
    "text",
]


@pytest.mark.parametrize("data", SAMPLES, ids=range(len(SAMPLES)))
def test_same_bytes_as_drf(data):
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_what_drf_refuses_is_refused_alike():
    # A lone surrogate cannot be UTF-8; the error handler escapes them before rendering.
    with pytest.raises(UnicodeEncodeError):
        ORJSONRenderer().render({"lone": "\ud800"})


def test_no_body_for_none():
    assert ORJSONRenderer().render(None) == b""
