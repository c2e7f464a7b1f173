"""`switchboard serve` with SWITCHBOARD_LOG_FORMAT=json: every line on stderr is one JSON object,
uvicorn's own lines and its access lines included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.processes import free_port, wait_until_healthy

pytestmark = pytest.mark.postgres

TOKEN = "n0t-a-real-t0ken-but-secret"


def test_every_line_is_json_and_access_lines_hide_listener_tokens(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "SWITCHBOARD_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SWITCHBOARD_PORT": str(port),
        "SWITCHBOARD_LOG_FORMAT": "json",
        "SWITCHBOARD_ACCESS_LOG": "true",
    }
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_healthy(base, process)
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
            assert response.status == 200
        request = urllib.request.Request(f"{base}/hooks/{TOKEN}", data=b"email=a%40b.c")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)

    output = stderr.decode()
    lines = [json.loads(line) for line in output.splitlines()]
    assert TOKEN not in output
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    messages = {(line["logger"], line["message"]) for line in lines}
    assert ("uvicorn.error", "Application startup complete.") in messages
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    requests = {(line["method"], line["path"], line["status"]) for line in access}
    assert ("GET", "/readyz", 200) in requests
    assert ("POST", "/hooks/<token>", 404) in requests
