"""Limit/offset pagination (docs/api.md §1.7)."""

from typing import Any

from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's, with a largest page: an unbounded ``?limit=`` overflows PostgreSQL's bigint LIMIT."""

    max_limit = 1000

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # What DRF does with the values: a limit above the largest page is that page, and any value
        # that is not a usable number (text, zero, negative) falls back to the default, never 400.
        # The schema says so instead of promising a validation it does not get.
        described = {
            self.limit_query_param: (
                f"Results per page: a positive integer, {self.default_limit} by default, at most "
                f"{self.max_limit} (larger values mean {self.max_limit}). A value that is not a "
                "positive integer means the default."
            ),
            self.offset_query_param: (
                "Results to skip: a non-negative integer, 0 by default. A value that is not a "
                "non-negative integer means 0."
            ),
        }
        return [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "string", "example": "0" if name == "offset" else "100"},
            }
            for name, description in described.items()
        ]
