"""The operations settings: defaults that change nothing, and bad values named."""

from __future__ import annotations

import pytest

from server.settings import SettingsError, settings_from_env


def test_by_default_logs_are_text_no_access_log_and_events_are_kept_forever() -> None:
    settings = settings_from_env({})

    assert settings.log_format == "text"
    assert settings.access_log is False
    assert settings.retention_days == 0
    assert settings.retention_interval_seconds == 3600


def test_the_environment_sets_them() -> None:
    settings = settings_from_env(
        {
            "SWITCHBOARD_LOG_FORMAT": "JSON",
            "SWITCHBOARD_ACCESS_LOG": "on",
            "SWITCHBOARD_RETENTION_DAYS": "30",
            "SWITCHBOARD_RETENTION_INTERVAL_SECONDS": "600",
        }
    )

    assert settings.log_format == "json"
    assert settings.access_log is True
    assert settings.retention_days == 30
    assert settings.retention_interval_seconds == 600


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SWITCHBOARD_LOG_FORMAT", "xml"),
        ("SWITCHBOARD_ACCESS_LOG", "sometimes"),
        ("SWITCHBOARD_RETENTION_DAYS", "-1"),
        ("SWITCHBOARD_RETENTION_DAYS", "thirty"),
        ("SWITCHBOARD_RETENTION_INTERVAL_SECONDS", "0"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_env({name: value})
