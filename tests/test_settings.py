"""Settings come from the environment, are checked, and are all documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.settings import SETTING_NAMES, SettingsError, settings_from_env

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_serve_sqlite_on_localhost() -> None:
    settings = settings_from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert (
        settings.effective_database_url == f"sqlite://{Path('data').absolute()}/switchboard.sqlite3"
    )
    assert settings.listener_url("abc") == "http://127.0.0.1:8000/hooks/abc"


def test_environment_overrides_defaults() -> None:
    settings = settings_from_env(
        {
            "SWITCHBOARD_PORT": "9000",
            "DATABASE_URL": "postgres://u@db/s",
            "SWITCHBOARD_PUBLIC_URL": "https://hooks.example.com/",
            "SWITCHBOARD_MAX_BODY_BYTES": "1024",
        }
    )
    assert settings.port == 9000
    assert settings.effective_database_url == "postgres://u@db/s"
    assert settings.listener_url("t") == "https://hooks.example.com/hooks/t"
    assert settings.limits.max_body_bytes == 1024


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SWITCHBOARD_PORT", "eighty"),
        ("SWITCHBOARD_MAX_FIELDS", "0"),
        ("SWITCHBOARD_MAPPING_REFRESH_SECONDS", "-1"),
        ("SWITCHBOARD_MAX_DEPTH", "500"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_env({name: value})


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README.read_text(), re.MULTILINE))
    assert documented == set(SETTING_NAMES)


def test_every_setting_is_read() -> None:
    source = (Path(__file__).resolve().parent.parent / "server" / "settings.py").read_text()
    for name in SETTING_NAMES:
        assert source.count(f'"{name}"') >= 2, f"{name} is listed but never read"
