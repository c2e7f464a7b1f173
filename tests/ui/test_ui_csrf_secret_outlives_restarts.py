"""The CSRF secret lives in the data directory: browsers' cookies stay valid after a restart."""

from __future__ import annotations

import stat
from pathlib import Path

from server.web.security import CSRF_SECRET_FILE, csrf_secret


def test_the_secret_is_made_once_and_read_back_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = csrf_secret(data_dir)
    assert len(first) == 64
    assert csrf_secret(data_dir) == first
    assert csrf_secret(tmp_path / "elsewhere") != first


def test_only_the_owner_can_read_the_secret(tmp_path: Path) -> None:
    csrf_secret(tmp_path)
    mode = stat.S_IMODE((tmp_path / CSRF_SECRET_FILE).stat().st_mode)
    assert mode == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == [CSRF_SECRET_FILE]
