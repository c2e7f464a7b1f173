"""Lines logged inside ``log_context`` carry the event's id and endpoint, in either format."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from server.logs import log_context, log_handler

Logged = tuple[logging.Logger, io.StringIO]


@pytest.fixture
def logged() -> Iterator[Logged]:
    """A logger writing JSON lines, and the buffer they go to."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    logger = logging.getLogger("server.tests.ops")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_json_lines_carry_the_context_inside_it_and_in_tasks_it_starts(
    logged: Logged,
) -> None:
    logger, stream = logged

    async def deliver() -> None:
        logger.warning("target answered %d", 500)

    logger.info("before")
    with log_context(event_id="0190a1b2-event", endpoint="shop"):
        logger.info("stored")
        await asyncio.create_task(deliver())
    logger.info("after")

    before, stored, delivered, after = lines(stream)
    assert set(before) == {"time", "level", "logger", "message"}
    assert stored["event_id"] == delivered["event_id"] == "0190a1b2-event"
    assert stored["endpoint"] == delivered["endpoint"] == "shop"
    assert delivered["level"] == "WARNING"
    assert delivered["message"] == "target answered 500"
    assert delivered["logger"] == "server.tests.ops"
    assert str(delivered["time"]).endswith("Z")
    assert "event_id" not in after


async def test_concurrent_events_keep_their_own_context(
    logged: Logged,
) -> None:
    logger, stream = logged
    both_inside = asyncio.Barrier(2)

    async def handle(event_id: str) -> None:
        with log_context(event_id=event_id, endpoint="shop"):
            await both_inside.wait()  # each logs while the other's context is also open
            logger.info("delivering %s", event_id)

    await asyncio.gather(handle("first"), handle("second"))

    assert sorted((line["event_id"], line["message"]) for line in lines(stream)) == [
        ("first", "delivering first"),
        ("second", "delivering second"),
    ]


def test_an_inner_context_adds_to_the_outer_one(
    logged: Logged,
) -> None:
    logger, stream = logged

    with log_context(endpoint="shop"):
        with log_context(event_id="e-1"):
            logger.info("inner")
        logger.info("outer")

    inner, outer = lines(stream)
    assert (inner["endpoint"], inner["event_id"]) == ("shop", "e-1")
    assert outer["endpoint"] == "shop"
    assert "event_id" not in outer


def test_exceptions_stay_on_one_json_line(
    logged: Logged,
) -> None:
    logger, stream = logged

    try:
        raise RuntimeError("the target closed the connection")
    except RuntimeError:
        logger.exception("delivery failed")

    [line] = lines(stream)
    assert "RuntimeError: the target closed the connection" in str(line["exception"])


def test_text_lines_end_with_the_context() -> None:
    stream = io.StringIO()
    record = logging.LogRecord("server.pipeline", logging.INFO, __file__, 1, "stored", (), None)
    handler = log_handler("text", stream)

    with log_context(event_id="e-1", endpoint="shop"):
        handler.handle(record)

    assert stream.getvalue().endswith(" INFO server.pipeline: stored event_id=e-1 endpoint=shop\n")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_access_lines_never_show_a_listener_token(log_format: str) -> None:
    stream = io.StringIO()
    access = (
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/hooks/s3cretT0ken?a=b", "1.1", 200),
    )
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, access[0], access[1], None
    )

    log_handler(log_format, stream).handle(record)

    assert "s3cretT0ken" not in stream.getvalue()
    assert '"POST /hooks/<token> HTTP/1.1" 200' in stream.getvalue().replace('\\"', '"')


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_error_lines_never_show_a_listener_token(log_format: str) -> None:
    stream = io.StringIO()
    message = "Uncaught exception (connection_type=%s, path=%r):"
    args = ("http", "/hooks/s3cretT0ken")
    record = logging.LogRecord("litestar", logging.ERROR, __file__, 1, message, args, None)

    log_handler(log_format, stream).handle(record)

    assert "s3cretT0ken" not in stream.getvalue()
    assert "path='/hooks/<token>'" in stream.getvalue()
