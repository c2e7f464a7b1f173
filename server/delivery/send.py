"""Send one outbound request and turn whatever happens into a ``DeliveryResult``.

This is the hot path: one shared session, no per-call setup, no logging, the body read once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import msgspec
from aiohttp.http_exceptions import (
    ContentLengthError,
    HttpProcessingError,
    TransferEncodingError,
)
from multidict import CIMultiDictProxy

from server.mapping.request import OutboundRequest

ErrorKind = Literal["timeout", "connection", "protocol", "tls"]


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What came back from one request, or in plain words why nothing usable did.

    ``status`` is None when no HTTP answer arrived. ``headers`` has lower-case names; a header
    sent several times has its values joined with ", ". ``body`` holds at most the
    ``max_response_bytes`` given to :func:`send`; ``body_truncated`` says the target sent more.
    ``error_kind`` lets a retry policy decide: timeouts and connection problems are usually
    worth another try, protocol and TLS problems rarely are.
    """

    status: int | None
    headers: dict[str, str]
    body: bytes
    body_truncated: bool
    duration_ms: float
    error: str | None
    error_kind: ErrorKind | None

    @property
    def ok(self) -> bool:
        """The target answered with a 2xx status and nothing went wrong."""
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError (in plain words) if it is not JSON.

        Parses on every call: call it once and keep the value.
        """
        if self.body_truncated:
            raise ValueError(
                f"the target's response is larger than {len(self.body)} bytes and was cut, "
                "so it cannot be read as JSON"
            )
        try:
            return msgspec.json.decode(self.body)
        except msgspec.DecodeError as exc:
            raise ValueError(f"the target's response is not valid JSON ({exc})") from exc


async def send(
    session: aiohttp.ClientSession, request: OutboundRequest, *, max_response_bytes: int
) -> DeliveryResult:
    """Send ``request`` with ``session`` and describe the outcome; never raises for network trouble.

    ``request.timeout`` bounds the whole exchange: connecting, sending, waiting for the answer and
    reading its body. The body is read up to ``max_response_bytes`` and the rest is never read
    (the connection is then closed instead of reused).

    The URL goes through yarl as aiohttp does by default: characters that need escaping get
    escaped (so a hand-typed ``?name=Zoë Ødegård`` works) and equivalent escapes may be
    normalised (``%7E`` becomes ``~``); what the URL means to the target does not change.

    Redirects are not followed: a 3xx comes back as it is, so it counts as a failure and the
    user sees the ``Location`` the target named. Following them would resend a contact's data
    (and its credentials) to an address nobody configured, and silently turn a POST into a GET.
    """
    started = time.perf_counter()
    response: aiohttp.ClientResponse | None = None
    try:
        async with session.request(
            request.method,
            request.url,
            headers=request.headers,
            data=request.body,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=request.timeout),
        ) as response:
            body, truncated = await _read_bounded(response.content, max_response_bytes)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        return _failure(request, exc, response, started)
    return DeliveryResult(
        status=response.status,
        headers=_flat_headers(response.headers),
        body=body,
        body_truncated=truncated,
        duration_ms=_elapsed_ms(started),
        error=None,
        error_kind=None,
    )


async def _read_bounded(content: aiohttp.StreamReader, limit: int) -> tuple[bytes, bool]:
    """Read at most ``limit`` bytes, plus one to learn whether there was more."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await content.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if size > limit:
        return body[:limit], True
    return body, False


def _flat_headers(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        flat[key] = f"{flat[key]}, {value}" if key in flat else value
    return flat


def _failure(
    request: OutboundRequest,
    exc: BaseException,
    response: aiohttp.ClientResponse | None,
    started: float,
) -> DeliveryResult:
    """A result for a request that raised; keeps the status and headers if they had arrived."""
    kind, message = _describe(exc, request, answered=response is not None)
    return DeliveryResult(
        status=None if response is None else response.status,
        headers={} if response is None else _flat_headers(response.headers),
        body=b"",
        body_truncated=False,
        duration_ms=_elapsed_ms(started),
        error=message,
        error_kind=kind,
    )


def _describe(
    exc: BaseException, request: OutboundRequest, answered: bool
) -> tuple[ErrorKind, str]:
    """Name the kind of failure and say in plain words what happened."""
    if isinstance(exc, TimeoutError):
        if answered:
            return (
                "timeout",
                f"the target did not send its whole response within {request.timeout:g} s",
            )
        return "timeout", f"the target did not answer within {request.timeout:g} s"
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch):
        return "tls", _describe_tls(exc)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connection", _describe_connect(exc)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "connection", "the target closed the connection before answering"
    if isinstance(exc, aiohttp.ClientPayloadError):
        if isinstance(exc.__cause__, ContentLengthError | TransferEncodingError):
            return (
                "connection",
                "the target closed the connection before sending its whole response",
            )
        detail = exc.__cause__.message if isinstance(exc.__cause__, HttpProcessingError) else exc
        return "protocol", f"the target's response body cannot be decoded ({_first_line(detail)})"
    if isinstance(exc, aiohttp.ClientResponseError):
        return "protocol", f"the target's response is not valid HTTP ({_first_line(exc.message)})"
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return "connection", f"the target address {request.url!r} is not a valid http(s) URL"
    if isinstance(exc, OSError) and exc.strerror:
        return "connection", f"the connection to the target failed: {exc.strerror}"
    return "connection", f"the connection to the target failed: {_first_line(exc)}"


def _describe_connect(exc: aiohttp.ClientConnectorError) -> str:
    address = f"{exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"the host name {exc.host} could not be resolved"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return f"connection refused by {address}"
    return f"could not connect to {address}: {exc.strerror or _first_line(exc.os_error)}"


def _describe_tls(exc: aiohttp.ClientConnectorError | aiohttp.ServerFingerprintMismatch) -> str:
    address = f"{exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"the TLS certificate of {address} was not accepted: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ServerFingerprintMismatch):
        return f"the TLS certificate of {address} does not have the expected fingerprint"
    return f"the TLS handshake with {address} failed: {_first_line(exc.os_error)}"


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0].rstrip(":") if text else type(error).__name__


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
