"""A real HTTP server on 127.0.0.1 that plays a target API in tests.

It records every request it gets and answers as programmed::

    target.route("POST", "/crm/v3/objects/contacts", status=201, json={"id": "123"})
    target.route("POST", "/flaky", Answer(status=500), Answer(status=500), Answer(json={"id": 1}))
    target.route("GET", "/echo", lambda request: Answer(json={"query": request.query_dict}))
    target.route("POST", "/slow", json={"id": 1}, delay=2.0)
    target.route("POST", "/broken", garbage())

A route answers with its answers in turn and repeats the last one for ever. A route's answer may
be a callable (sync or async) that gets the ``ReceivedRequest`` and returns an ``Answer``.
Requests no route matches get the default answer (200 ``{"ok": true}`` unless changed with
:meth:`Target.default`).

Run it in the test's event loop (``await target.start()``, the ``target`` fixture) or in a thread
with its own loop (``target.start_in_thread()``, the ``threaded_target`` fixture) so that
synchronous code and server subprocesses can reach it. In a thread, callables run on that thread.
"""

from __future__ import annotations

import asyncio
import inspect
import json as jsonlib
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

HOST = "127.0.0.1"
_NO_JSON: Any = object()


@dataclass(frozen=True, slots=True)
class Answer:
    """How the target answers one request.

    ``json`` (any JSON value, None included) or ``body`` (bytes or text) is the body;
    ``content_type`` defaults to JSON, text or octet-stream by what was given. ``headers`` is a
    mapping, or pairs when a header is repeated. ``delay`` waits before answering;
    ``body_delay`` sends the status and headers, then waits before the body.
    ``raw`` writes those bytes instead of an HTTP answer and closes the connection (``garbage()``,
    ``close_without_answer()``); ``endless`` streams ``body`` again and again until the client
    hangs up (``endless_body()``).
    """

    status: int = 200
    json: Any = _NO_JSON
    body: bytes | str | None = None
    content_type: str | None = None
    headers: Mapping[str, str] | tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    body_delay: float = 0.0
    raw: bytes | None = None
    endless: bool = False


Responder = Callable[["ReceivedRequest"], Answer | Awaitable[Answer]]


def garbage(data: bytes = b"this is not HTTP at all\r\n\r\n", delay: float = 0.0) -> Answer:
    """Write ``data`` instead of an HTTP answer, then close the connection."""
    return Answer(raw=data, delay=delay)


def close_without_answer(delay: float = 0.0) -> Answer:
    """Close the connection without writing a byte."""
    return Answer(raw=b"", delay=delay)


def too_many_requests(retry_after: int | str = 1) -> Answer:
    """429 with a Retry-After header, as rate-limited APIs answer."""
    return Answer(
        status=429,
        json={"error": "rate limited"},
        headers={"Retry-After": str(retry_after)},
    )


def endless_body(chunk: bytes = b"x" * 65536) -> Answer:
    """A 200 whose body never ends: the target writes ``chunk`` until the client hangs up."""
    return Answer(body=chunk, endless=True)


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request as the target got it.

    ``json`` is the parsed body when it is JSON (else None); ``form`` the flat key/value pairs
    of an ``application/x-www-form-urlencoded`` body (else None), bracket keys left as they are.
    ``path`` and ``query`` are decoded; ``raw_path`` is path and query as they came over the wire.
    ``peer_port`` is the client's port: requests on one kept-alive connection share it.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    raw_path: str
    headers: CIMultiDictProxy[str]
    body: bytes
    json: Any
    form: dict[str, str] | None
    peer_port: int

    @property
    def query_dict(self) -> dict[str, str]:
        return dict(self.query)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def transactionid(self) -> str | None:
        """The ``transactionid`` in the JSON body (at any depth), the form or the query."""
        found = _find_key(self.json, "transactionid")
        if found is None and self.form is not None:
            found = self.form.get("transactionid")
        if found is None:
            found = self.query_dict.get("transactionid")
        return None if found is None else str(found)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


class Target:
    """The programmable target server. See the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._routes: dict[tuple[str, str], _Script] = {}
        self._default = _Script((Answer(json={"ok": True}),))
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    # programming answers

    def route(self, method: str, path: str, *answers: Answer | Responder, **fields: Any) -> None:
        """Answer ``method`` ("*" for any) ``path`` with ``answers`` in turn.

        With no answers, the keyword arguments make the one answer: ``Answer(**fields)``.
        """
        with self._lock:
            self._routes[(method.upper(), path)] = _Script.of(answers, fields)

    def default(self, *answers: Answer | Responder, **fields: Any) -> None:
        """Answer requests that no route matches like this."""
        with self._lock:
            self._default = _Script.of(answers, fields)

    def reset(self) -> None:
        """Forget every request and route; answer 200 ``{"ok": true}`` again."""
        with self._lock:
            self._requests.clear()
            self._routes.clear()
            self._default = _Script((Answer(json={"ok": True}),))

    # what arrived

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash: ``f"{target.url}/path"``."""
        if self._port is None:
            raise RuntimeError("the target server is not running")
        return f"http://{HOST}:{self._port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str, method: str | None = None) -> list[ReceivedRequest]:
        return [
            r
            for r in self.requests
            if r.path == path and (method is None or r.method == method.upper())
        ]

    def transaction_counts(self) -> Counter[str]:
        """How many requests carried each transactionid."""
        return Counter(r.transactionid for r in self.requests if r.transactionid is not None)

    def count_transaction(self, transactionid: str) -> int:
        return self.transaction_counts()[transactionid]

    async def wait_for_requests(self, count: int, within: float = 5.0) -> list[ReceivedRequest]:
        """Wait until ``count`` requests arrived; fail after ``within`` seconds."""
        return await asyncio.to_thread(self.wait_for_requests_blocking, count, within)

    def wait_for_requests_blocking(self, count: int, within: float = 5.0) -> list[ReceivedRequest]:
        """Block until ``count`` requests arrived; only for a target running in a thread."""
        with self._lock:
            self._lock.wait_for(lambda: len(self._requests) >= count, within)
        return self._at_least(count, within)

    def _at_least(self, count: int, timeout: float) -> list[ReceivedRequest]:
        received = self.requests
        if len(received) < count:
            raise AssertionError(
                f"expected {count} requests within {timeout} s, the target got {len(received)}"
            )
        return received

    # running

    async def start(self) -> None:
        """Start listening on a free port of 127.0.0.1 in the running event loop."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a slow answer stops when the client gives up, so that
        # shutting down never waits for it.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, 0))
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self._port = sock.getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    def start_in_thread(self) -> None:
        """Run the server on a thread with its own event loop (returns once it listens)."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="target-server", daemon=True)
        thread.start()
        self._thread, self._thread_loop = thread, loop
        asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)

    def stop_thread(self) -> None:
        thread, loop = self._thread, self._thread_loop
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()
            self._thread = self._thread_loop = None

    # answering

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        received = _received(request, await request.read())
        with self._lock:
            self._requests.append(received)
            script = self._script_for(received)
            self._lock.notify_all()
        answer = await script.next_answer(received)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.raw is not None:
            return _write_raw_and_close(request, answer.raw)
        if answer.endless or answer.body_delay:
            return await _stream(request, answer)
        return web.Response(status=answer.status, body=_body(answer), headers=_headers(answer))

    def _script_for(self, received: ReceivedRequest) -> _Script:
        return (
            self._routes.get((received.method, received.path))
            or self._routes.get(("*", received.path))
            or self._default
        )


class _Script:
    """A route's answers: each request takes the next one, the last one repeats."""

    def __init__(self, answers: tuple[Answer | Responder, ...]) -> None:
        if not answers:
            raise ValueError("a route needs at least one answer")
        self._answers: Iterator[Answer | Responder] = iter(answers)
        self._last = answers[-1]
        self._lock = threading.Lock()

    @classmethod
    def of(cls, answers: tuple[Answer | Responder, ...], answer: dict[str, Any]) -> _Script:
        if answers and answer:
            raise TypeError("give either Answer objects or Answer fields, not both")
        return cls(answers or (Answer(**answer),))

    async def next_answer(self, received: ReceivedRequest) -> Answer:
        with self._lock:
            step = next(self._answers, self._last)
        if isinstance(step, Answer):
            return step
        produced = step(received)
        return await produced if inspect.isawaitable(produced) else produced


def _received(request: web.Request, body: bytes) -> ReceivedRequest:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return ReceivedRequest(
        method=request.method,
        path=request.path,
        query=tuple(request.query.items()),
        raw_path=request.raw_path,
        headers=CIMultiDictProxy(CIMultiDict(request.headers)),
        body=body,
        json=_parse_json(body),
        form=_parse_form(request.content_type, body),
        peer_port=peer[1] if peer else 0,
    )


def _parse_json(body: bytes) -> Any:
    try:
        return jsonlib.loads(body)
    except ValueError:
        return None


def _parse_form(content_type: str, body: bytes) -> dict[str, str] | None:
    if content_type != "application/x-www-form-urlencoded":
        return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _find_key(value: Any, key: str) -> Any:
    """The value of the first ``key`` found in nested dicts and lists (depth first)."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        children: list[Any] = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = _find_key(child, key)
        if found is not None:
            return found
    return None


def _body(answer: Answer) -> bytes:
    if answer.json is not _NO_JSON:
        return jsonlib.dumps(answer.json).encode()
    if isinstance(answer.body, str):
        return answer.body.encode()
    return answer.body or b""


def _headers(answer: Answer) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict(answer.headers)
    if answer.content_type is not None:
        headers["Content-Type"] = answer.content_type
    elif "Content-Type" in headers:
        pass
    elif answer.json is not _NO_JSON:
        headers["Content-Type"] = "application/json"
    elif isinstance(answer.body, str):
        headers["Content-Type"] = "text/plain; charset=utf-8"
    elif answer.body:
        headers["Content-Type"] = "application/octet-stream"
    return headers


def _write_raw_and_close(request: web.Request, data: bytes) -> web.Response:
    """Bypass HTTP: write ``data`` straight to the socket and hang up.

    aiohttp then fails to write the returned response to the closed connection and drops it
    quietly (it counts as the client going away).
    """
    transport = request.transport
    if transport is not None:
        if data:
            transport.write(data)
        transport.close()
    return web.Response()


async def _stream(request: web.Request, answer: Answer) -> web.StreamResponse:
    """Send status and headers now, then the body after ``body_delay`` (or for ever)."""
    response = web.StreamResponse(status=answer.status, headers=_headers(answer))
    body = _body(answer)
    if not answer.endless:
        response.content_length = len(body)
    await response.prepare(request)
    await asyncio.sleep(answer.body_delay)
    try:
        await response.write(body)
        while answer.endless:
            await response.write(body)
    except ConnectionError:
        pass  # the client hung up: that is how an endless answer ends
    return response
