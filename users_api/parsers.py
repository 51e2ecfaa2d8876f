"""Request body parsers."""

from typing import Any

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with nesting too deep for ``json`` reported as a parse error.

    A 64 KiB body of ``[[[[…`` makes the standard library raise ``RecursionError``, which is not
    a ``ValueError`` and would otherwise become a 500.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
