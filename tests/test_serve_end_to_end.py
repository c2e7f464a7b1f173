"""The README's journey against a real `switchboard serve` process and a real target."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.processes import free_port, wait_until_healthy
from support.target import Target

pytestmark = pytest.mark.postgres

SAMPLE = Path(__file__).resolve().parent / "samples" / "platform-form-post.txt"
SWITCHBOARD = [sys.executable, "-m", "server.cli"]

MAPPING = """\
switchboard: 1
endpoint: {{name: Served contacts}}
actions:
  - name: create contact
    request: {{url: "{url}/contacts"}}
    fields:
      email: {{from: $.body.contact.email}}
      firstname: {{from: "$.field['First Name']"}}
    response: {{crm_id: $.id}}
"""


@pytest.fixture
def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    port = free_port()
    return {
        **os.environ,
        "SWITCHBOARD_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SWITCHBOARD_PORT": str(port),
    }


@pytest.fixture
def server(environment: dict[str, str]) -> Iterator[str]:
    base = f"http://127.0.0.1:{environment['SWITCHBOARD_PORT']}"
    process = subprocess.Popen(
        [*SWITCHBOARD, "serve"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_until_healthy(base, process)
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_import_then_post_a_real_sample_to_a_served_listener(
    server: str, environment: dict[str, str], threaded_target: Target, tmp_path: Path
) -> None:
    threaded_target.route("POST", "/contacts", status=201, json={"id": "003abc"})
    mapping = tmp_path / "served.yaml"
    mapping.write_text(MAPPING.format(url=threaded_target.url))
    imported = subprocess.run(
        [*SWITCHBOARD, "import", str(mapping)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    url = re.search(r"http://\S+/hooks/\S+", imported.stdout)
    assert url is not None, imported.stdout

    request = urllib.request.Request(
        url.group(0),
        data=SAMPLE.read_bytes(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.read() == b'{"crm_id":"003abc"}'
        assert response.headers["X-Switchboard-Event"]
    [sent] = threaded_target.requests_to("/contacts")
    assert sent.json == {"email": "jane.doe+bench@example.com", "firstname": "Jane"}
