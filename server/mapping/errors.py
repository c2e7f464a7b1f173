"""Errors of the mapping core. Each says what the user can do about it."""

from __future__ import annotations

Location = tuple[str | int, ...]


class MappingError(Exception):
    """A mapping cannot be compiled or evaluated.

    ``location`` points into the mapping document (for example
    ``("actions", 0, "fields", "properties.email", "from")``) so that the file loader
    can turn it into a line number.
    """

    def __init__(self, message: str, location: Location = ()) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def at(self, *prefix: str | int) -> MappingError:
        """Return the same error with ``prefix`` put in front of its location."""
        return type(self)(self.message, (*prefix, *self.location))

    def __str__(self) -> str:
        return self.message


class PayloadError(Exception):
    """An inbound request cannot be turned into a payload (the sender's fault: a 4xx).

    ``code`` is a short machine word (``body_too_large``), ``detail`` a sentence for people,
    ``status`` the HTTP status the listener answers with, ``limit`` the limit that was hit.
    """

    def __init__(self, status: int, code: str, detail: str, limit: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.limit = limit

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "detail": self.detail}
        if self.limit is not None:
            body["limit"] = self.limit
        return body
