"""Every setting of a Switchboard deployment, read once from the environment.

Each setting is listed in the README's settings table (a test checks that).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from server.mapping.payload import Limits
from server.store.db import database_url_default

T = TypeVar("T", int, float)


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


def _parsed(env: Mapping[str, str], name: str, parse: Callable[[str], T], kind: str) -> T | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {kind}, not '{raw}'") from None
