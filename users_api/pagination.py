"""Limit/offset pagination (docs/api.md §1.7)."""

from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's, with a largest page: an unbounded ``?limit=`` overflows PostgreSQL's bigint LIMIT."""

    max_limit = 1000
