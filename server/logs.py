"""Log lines for people (``text``) or for log collectors (``json``), with the event they concern.

Code that works on one event wraps that work in ``with log_context(event_id=..., endpoint=...):``
and every line logged inside it, by any logger and in any task started inside it, carries the
event's id and endpoint key: an operator searching the logs for one event finds all of it.
The values live in context variables, which asyncio copies into each new task, so concurrent
deliveries never see each other's.

``switchboard serve`` sends its own lines and uvicorn's (start-up, errors and, when
``SWITCHBOARD_ACCESS_LOG`` is on, one line per request) through the one handler set up here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from litestar.logging.config import LoggingConfig

from server.settings import LOG_FORMATS, Settings

HANDLER_NAME = "switchboard"
HIDDEN_TOKEN = "/hooks/<token>"
# A listener path up to the end of its token (the query string goes too: it holds contact data).
_HOOK_TOKEN = re.compile(r"/hooks/[^\s'\"]+")
ACCESS_LOGGER = "uvicorn.access"

_event_id: ContextVar[str | None] = ContextVar("switchboard_log_event_id", default=None)
_endpoint: ContextVar[str | None] = ContextVar("switchboard_log_endpoint", default=None)


@contextmanager
def log_context(event_id: str | None = None, endpoint: str | None = None) -> Iterator[None]:
    """Every line logged inside carries ``event_id`` and ``endpoint`` (those given; an outer
    context's values stay for the ones left out)."""
    tokens = []
    if event_id is not None:
        tokens.append((_event_id, _event_id.set(event_id)))
    if endpoint is not None:
        tokens.append((_endpoint, _endpoint.set(endpoint)))
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


class ContextFilter(logging.Filter):
    """Puts the current :func:`log_context` values on each record (``None`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "event_id", None) is None:
            record.event_id = _event_id.get()
        if getattr(record, "endpoint", None) is None:
            record.endpoint = _endpoint.get()
        return True


class ListenerTokenFilter(logging.Filter):
    """Hides listener tokens (``/hooks/<token>``) in every line: a listener URL is as secret as
    a password, and uvicorn's access lines and Litestar's error lines carry the request path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _access_request(record)
        if request is not None:
            client, method, path, version, status = request
            record.args = (client, method, _HOOK_TOKEN.sub(HIDDEN_TOKEN, path), version, status)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it when it formats the line
            return True
        if "/hooks/" in message:
            record.msg, record.args = _HOOK_TOKEN.sub(HIDDEN_TOKEN, message), None
        return True


class TextFormatter(logging.Formatter):
    """``2026-11-23T17:00:34.304Z INFO server.pipeline: message event_id=… endpoint=…``."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        for name in ("event_id", "endpoint"):
            value = getattr(record, name, None)
            if value is not None:
                line += f" {name}={value}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the context when set."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("event_id", "endpoint"):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        request = _access_request(record)
        if request is not None:
            line.update(method=request[1], path=request[2], status=request[4])
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing ``log_format`` lines to ``stream`` (standard error by default)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.addFilter(ListenerTokenFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return handler


def configure_logging(settings: Settings) -> None:
    """Send every logger's lines to standard error through one handler in ``settings.log_format``.

    Switchboard's own loggers log at ``SWITCHBOARD_LOG_LEVEL``; other libraries only their
    warnings and errors (uvicorn sets its own loggers' level from the same setting). Calling
    it again replaces the handler it installed before, and no other.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = log_handler(settings.log_format)
    handler.set_name(HANDLER_NAME)
    root.addHandler(handler)
    logging.getLogger("server").setLevel(settings.log_level)


def litestar_logging_config() -> LoggingConfig:
    """Litestar's own lines (server errors, with their traceback) into the same handler.

    Litestar's default would replace the root logger's handlers with its own format, and would
    log a failing request only in debug mode. Client errors (4xx) are answers, not failures:
    they are not logged.
    """
    return LoggingConfig(
        configure_root_logger=False,
        loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
        log_exceptions="always",
        disable_stack_trace=set(range(400, 500)),
    )


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _access_request(record: logging.LogRecord) -> tuple[object, str, str, str, int] | None:
    """uvicorn's access record as (client, method, path, HTTP version, status), or None."""
    if record.name != ACCESS_LOGGER or not isinstance(record.args, tuple):
        return None
    if len(record.args) != 5:
        return None
    client, method, path, version, status = record.args
    if not isinstance(status, int):
        return None
    return client, str(method), str(path), str(version), status
