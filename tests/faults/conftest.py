"""Fault tests: a real ``switchboard serve`` process on a throwaway PostgreSQL cluster.

These tests break what production depends on (the database goes away, ...) and check that
nothing is acknowledged that was not stored, and that the server recovers on its own. They
manage their own cluster (``throwaway_postgres``, tests/support/pg_cluster.py), so they run
in the ordinary pytest run, not only with ``-m postgres``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_support import Served
from support.pg_cluster import ThrowawayPostgres, throwaway_postgres
from support.processes import free_port, wait_until_healthy
from support.target import Target

__all__ = ["throwaway_postgres"]  # the fixture, for every test in this folder

SWITCHBOARD = [sys.executable, "-m", "server.cli"]

# One action that forwards the posted JSON body, transactionid included, to the target.
MAPPING = """\
switchboard: 1
endpoint: {{name: Fault contacts, key: fault-contacts}}
actions:
  - name: forward contact
    request: {{url: "{url}/contacts", body_from: $.body}}
"""


@pytest.fixture
def mapping_refresh_seconds() -> str:
    """How long the served process trusts its cached endpoints (parametrize to change)."""
    return "2"


@pytest.fixture
def serve_environment(mapping_refresh_seconds: str) -> dict[str, str]:
    """Settings of the served process besides its database and port (override to add)."""
    return {
        "SWITCHBOARD_MAPPING_REFRESH_SECONDS": mapping_refresh_seconds,
        # The worker looks at the queue often and retries at once: tests wait little for it.
        "SWITCHBOARD_QUEUE_POLL_SECONDS": "0.1",
        "SWITCHBOARD_RETRY_SCHEDULE": "0",
    }


@pytest.fixture
def served_on_throwaway_postgres(
    throwaway_postgres: ThrowawayPostgres,
    threaded_target: Target,
    tmp_path: Path,
    serve_environment: dict[str, str],
) -> Iterator[Served]:
    """``switchboard serve`` on the throwaway cluster, with an endpoint forwarding to the
    target; the server's output goes to a file (a pipe nobody reads would block it)."""
    port = free_port()
    environment = {
        **os.environ,
        "SWITCHBOARD_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": throwaway_postgres.url,
        "SWITCHBOARD_PORT": str(port),
        **serve_environment,
    }
    base = f"http://127.0.0.1:{port}"
    log_file = tmp_path / "serve.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [*SWITCHBOARD, "serve"], env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_serving(base, process, log_file)
        # On SQLite (had the setting's name changed, say) the test would prove nothing.
        banner = log_file.read_text(errors="replace")
        assert f"127.0.0.1:{throwaway_postgres.port}/" in banner, f"not on the cluster:\n{banner}"
        hook_url = _import_endpoint(environment, threaded_target, tmp_path)
        yield Served(base, process, log_file, hook_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    try:
        wait_until_healthy(base, process)
    except pytest.fail.Exception:
        pytest.fail(f"switchboard serve did not start:\n{log_file.read_text(errors='replace')}")


def _import_endpoint(environment: dict[str, str], target: Target, tmp_path: Path) -> str:
    mapping = tmp_path / "fault-contacts.yaml"
    mapping.write_text(MAPPING.format(url=target.url))
    imported = subprocess.run(
        [*SWITCHBOARD, "import", str(mapping)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    found = re.search(r"http://\S+/hooks/\S+", imported.stdout)
    assert found is not None, imported.stdout
    return found.group(0)
