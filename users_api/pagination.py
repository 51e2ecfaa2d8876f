"""Limit/offset pagination (docs/api.md §1.7)."""

import re
from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

_INTEGER = re.compile(r"-?[0-9]+\Z")


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's, with a largest page (an unbounded ``?limit=`` overflows PostgreSQL's bigint LIMIT),
    and ``limit``/``offset`` that are not integers refused (400) as the schema says, instead of
    silently read as the default."""

    max_limit = 1000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        for name in (self.limit_query_param, self.offset_query_param):
            values = request.query_params.getlist(name)
            if len(values) > 1 or (values and not _INTEGER.match(values[0])):
                raise ValidationError({name: ["A valid integer is required."]}, code="invalid")
        return super().paginate_queryset(queryset, request, view)
