"""The base of every app's refusals (``<app>/errors.py``), in the contract's terms.

Use cases raise these and know nothing of HTTP: ``users_api.errors`` turns each kind into its
status and the error body, once for every app.
"""

import enum


class Kind(enum.Enum):
    """What a refusal means to the client; ``users_api.errors`` maps each to a status."""

    INVALID = "invalid"  # the request's content is refused
    UNAUTHENTICATED = "unauthenticated"  # the caller must sign in (again)
    FORBIDDEN = "forbidden"  # the caller may not do this
    CONFLICT = "conflict"  # valid, but the resource's state forbids it


class DomainError(Exception):
    """A use case's refusal: a stable ``code`` (the contract), a ``detail`` and the field."""

    kind = Kind.INVALID
    code = "invalid_input"
    detail = "Invalid input."
    attr: str | None = None

    def __init__(
        self, detail: str | None = None, *, code: str | None = None, attr: str | None = None
    ) -> None:
        self.detail = detail or self.detail
        self.code = code or self.code
        self.attr = attr or self.attr
        super().__init__(self.detail)
