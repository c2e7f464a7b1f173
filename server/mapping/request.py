"""The outbound HTTP request an action builds: plain data, handed to the delivery layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    """One request to a target API, ready to send.

    ``secret_headers`` and ``secret_query`` name the parts that hold credentials, so that
    :meth:`redacted` can record the request without them.
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    timeout: float = 10.0
    secret_headers: frozenset[str] = field(default_factory=frozenset)
    secret_query: frozenset[str] = field(default_factory=frozenset)

    def redacted(self, max_body: int = 65536) -> dict[str, Any]:
        """A JSON-ready record of this request with every credential replaced."""
        secret = {name.lower() for name in self.secret_headers}
        headers = [
            [name, REDACTED if name.lower() in secret else value] for name, value in self.headers
        ]
        body = None if self.body is None else self.body[:max_body].decode("utf-8", "replace")
        return {
            "method": self.method,
            "url": _redact_query(self.url, self.secret_query),
            "headers": headers,
            "body": body,
            "body_truncated": self.body is not None and len(self.body) > max_body,
        }


def _redact_query(url: str, secret: frozenset[str]) -> str:
    if not secret:
        return url
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, REDACTED if k in secret else v) for k, v in pairs], safe="[]")
    return urlunsplit(parts._replace(query=query))
