"""Every setting of a Switchboard deployment, read once from the environment.

Each setting is listed in the README's settings table (a test checks that).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from server.delivery.retries import DEFAULT_SCHEDULE
from server.mapping.payload import Limits
from server.store.db import database_url_default

T = TypeVar("T", int, float)

LOG_FORMATS = ("text", "json")
_FLAGS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}


class SettingsError(ValueError):
    """An environment variable holds a value Switchboard cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The deployment's configuration. Build it with :func:`settings_from_env`."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    database_url: str = ""
    public_url: str = ""
    limits: Limits = field(default_factory=Limits)
    max_response_bytes: int = 1_048_576
    max_stored_response_bytes: int = 65_536
    mapping_refresh_seconds: float = 2.0
    log_level: str = "INFO"
    # Operations (docs/operations.md): the log lines' format, uvicorn's line per request, how
    # many days finished events are kept (0: forever) and how often older ones are deleted.
    log_format: str = "text"
    access_log: bool = False
    retention_days: int = 0
    retention_interval_seconds: float = 3600.0
    # The delivery queue: deliveries the worker runs at once, how often it looks for due
    # events, and how long beyond its actions' timeouts a process holds an event it delivers
    # before another process may take it.
    # Seconds before each retry, for endpoints that set no ``retries`` of their own.
    retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    workers: int = 8
    queue_poll_seconds: float = 1.0
    lease_seconds: float = 60.0
    # The longest a delivery waits for its target's limits (an action's ``limits``) before it
    # is put back in the queue for when the limit allows it.
    limit_wait_seconds: float = 10.0

    @property
    def effective_database_url(self) -> str:
        return self.database_url or database_url_default(self.data_dir)

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def listener_url(self, token: str) -> str:
        return f"{self.effective_public_url}/hooks/{token}"


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from environment variables; unset ones keep their defaults."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    try:
        limits = Limits(
            max_body_bytes=_int(env, "SWITCHBOARD_MAX_BODY_BYTES", defaults.limits.max_body_bytes),
            max_pairs=_int(env, "SWITCHBOARD_MAX_FIELDS", defaults.limits.max_pairs),
            max_depth=_int(env, "SWITCHBOARD_MAX_DEPTH", defaults.limits.max_depth),
        )
    except ValueError as error:
        raise SettingsError(f"SWITCHBOARD_MAX_DEPTH: {error}") from None
    return Settings(
        host=env.get("SWITCHBOARD_HOST", defaults.host),
        port=_int(env, "SWITCHBOARD_PORT", defaults.port),
        data_dir=Path(env.get("SWITCHBOARD_DATA_DIR", str(defaults.data_dir))),
        database_url=env.get("DATABASE_URL", ""),
        public_url=env.get("SWITCHBOARD_PUBLIC_URL", ""),
        limits=limits,
        max_response_bytes=_int(env, "SWITCHBOARD_MAX_RESPONSE_BYTES", defaults.max_response_bytes),
        max_stored_response_bytes=_int(
            env, "SWITCHBOARD_MAX_STORED_RESPONSE_BYTES", defaults.max_stored_response_bytes
        ),
        mapping_refresh_seconds=_float(
            env, "SWITCHBOARD_MAPPING_REFRESH_SECONDS", defaults.mapping_refresh_seconds
        ),
        log_level=env.get("SWITCHBOARD_LOG_LEVEL", defaults.log_level).upper(),
        log_format=_choice(env, "SWITCHBOARD_LOG_FORMAT", LOG_FORMATS, defaults.log_format),
        access_log=_flag(env, "SWITCHBOARD_ACCESS_LOG", defaults.access_log),
        retention_days=_days(env, "SWITCHBOARD_RETENTION_DAYS", defaults.retention_days),
        retention_interval_seconds=_interval(
            env, "SWITCHBOARD_RETENTION_INTERVAL_SECONDS", defaults.retention_interval_seconds
        ),
        retry_schedule=_schedule(env, "SWITCHBOARD_RETRY_SCHEDULE", defaults.retry_schedule),
        workers=_int(env, "SWITCHBOARD_WORKERS", defaults.workers),
        queue_poll_seconds=_float(
            env, "SWITCHBOARD_QUEUE_POLL_SECONDS", defaults.queue_poll_seconds
        ),
        lease_seconds=_float(env, "SWITCHBOARD_LEASE_SECONDS", defaults.lease_seconds),
        limit_wait_seconds=_float(
            env, "SWITCHBOARD_LIMIT_WAIT_SECONDS", defaults.limit_wait_seconds
        ),
    )


# Every environment variable read above; the README's settings table lists each one.
SETTING_NAMES = (
    "SWITCHBOARD_HOST",
    "SWITCHBOARD_PORT",
    "SWITCHBOARD_DATA_DIR",
    "DATABASE_URL",
    "SWITCHBOARD_PUBLIC_URL",
    "SWITCHBOARD_MAX_BODY_BYTES",
    "SWITCHBOARD_MAX_FIELDS",
    "SWITCHBOARD_MAX_DEPTH",
    "SWITCHBOARD_MAX_RESPONSE_BYTES",
    "SWITCHBOARD_MAX_STORED_RESPONSE_BYTES",
    "SWITCHBOARD_MAPPING_REFRESH_SECONDS",
    "SWITCHBOARD_LOG_LEVEL",
    "SWITCHBOARD_LOG_FORMAT",
    "SWITCHBOARD_ACCESS_LOG",
    "SWITCHBOARD_RETENTION_DAYS",
    "SWITCHBOARD_RETENTION_INTERVAL_SECONDS",
    "SWITCHBOARD_RETRY_SCHEDULE",
    "SWITCHBOARD_WORKERS",
    "SWITCHBOARD_QUEUE_POLL_SECONDS",
    "SWITCHBOARD_LEASE_SECONDS",
    "SWITCHBOARD_LIMIT_WAIT_SECONDS",
)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number greater than 0."""
    value = _parsed(env, name, int, "a whole number")
    if value is None:
        return default
    if value <= 0:
        raise SettingsError(f"{name} must be greater than 0, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    """A number of 0 or more."""
    value = _parsed(env, name, float, "a number")
    if value is None:
        return default
    if value < 0:
        raise SettingsError(f"{name} must not be negative, not {value}")
    return value


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of days, 0 or more (0 means "no limit")."""
    value = _parsed(env, name, int, "a whole number of days")
    if value is None:
        return default
    if value < 0:
        raise SettingsError(f"{name} must not be negative, not {value}")
    return value


def _interval(env: Mapping[str, str], name: str, default: float) -> float:
    """A number of seconds greater than 0 (0 would make a background task spin)."""
    value = _parsed(env, name, float, "a number of seconds")
    if value is None:
        return default
    if value <= 0:
        raise SettingsError(f"{name} must be greater than 0, not {value}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not '{env[name]}'")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """On or off: 1/true/yes/on or 0/false/no/off."""
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw not in _FLAGS:
        raise SettingsError(f"{name} must be true or false, not '{env[name]}'")
    return _FLAGS[raw]


def _parsed(env: Mapping[str, str], name: str, parse: Callable[[str], T], kind: str) -> T | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {kind}, not '{raw}'") from None


def _schedule(env: Mapping[str, str], name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    """Seconds separated by commas (``0,10,60``), or ``none`` for no retries."""
    text = env.get(name, "").strip()
    if not text:
        return default
    if text.lower() == "none":
        return ()
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise SettingsError(f"{name} must be seconds separated by commas, or none") from None
    if any(delay < 0 for delay in delays):
        raise SettingsError(f"{name} cannot hold a negative delay")
    return delays
