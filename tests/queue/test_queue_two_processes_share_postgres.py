"""Two ``switchboard serve`` processes on one PostgreSQL database share the queue safely.

Contacts are posted to both processes in turn while the target fails its first requests, so
that many deliveries go through the queue, where both processes' workers compete for them.
Then each of a few more contacts is posted to both processes at the same instant (a platform
retrying through a load balancer). Every contact must reach the target exactly once.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from support.databases import TEST_DATABASE
from support.processes import free_port, wait_until_healthy
from support.target import Answer, ReceivedRequest, Target

pytestmark = pytest.mark.postgres

CONTACTS = 300
FAILURES = 150
COPIES = 50
SETTLE_WITHIN_S = 60.0
MAPPING = """\
switchboard: 1
endpoint: {{name: Shared, key: shared, response: async, retries: [0, 0.1, 0.2, 0.5, 1, 1, 1]}}
actions:
  - name: forward
    request: {{url: "{url}/c"}}
    fields: {{transactionid: {{from: $.body.transactionid}}}}
"""


class FlakyTarget:
    """500 for the first FAILURES requests, then 201; remembers what it accepted."""

    def __init__(self) -> None:
        self.failures = FAILURES
        self.accepted: Counter[str] = Counter()

    def __call__(self, request: ReceivedRequest) -> Answer:
        if self.failures > 0:
            self.failures -= 1
            return Answer(status=500)
        self.accepted[str(request.json["transactionid"])] += 1
        return Answer(status=201, json={"id": 1})


def test_two_processes_deliver_each_contact_exactly_once(
    tmp_path: Path, threaded_target: Target, database_url: str
) -> None:
    if TEST_DATABASE != "postgres":
        pytest.skip("several processes share one database on PostgreSQL only")
    flaky = FlakyTarget()
    threaded_target.route("POST", "/c", flaky)
    environment = {
        **os.environ,
        "SWITCHBOARD_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SWITCHBOARD_QUEUE_POLL_SECONDS": "0.05",
    }
    mapping = tmp_path / "shared.yaml"
    mapping.write_text(MAPPING.format(url=threaded_target.url))
    command = [sys.executable, "-m", "server.cli"]
    subprocess.run([*command, "import", str(mapping)], env=environment, check=True)
    listed = subprocess.run(
        [*command, "endpoints"], env=environment, check=True, capture_output=True, text=True
    )
    token = listed.stdout.split("/hooks/")[1].split()[0]
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [*command, "serve"],
            env={**environment, "SWITCHBOARD_PORT": str(port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_healthy(f"http://127.0.0.1:{port}", process)
        with httpx.Client(timeout=10) as client:
            statuses = Counter(
                client.post(
                    f"http://127.0.0.1:{ports[number % 2]}/hooks/{token}",
                    data={"transactionid": f"s-{number}"},
                ).status_code
                for number in range(CONTACTS)
            )
        copies = asyncio.run(post_to_both_at_once(ports, token))
        deadline = time.monotonic() + SETTLE_WITHIN_S
        while len(flaky.accepted) < CONTACTS + COPIES and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for process in processes:
            process.terminate()
            process.communicate(timeout=20)

    duplicated = sum(1 for count in flaky.accepted.values() if count > 1)
    print(
        f"\ntwo processes: sent {CONTACTS} + {COPIES} twice at once, acknowledged "
        f"{statuses[202]} + {copies[202]} (+ {copies[409]} told 'in progress'), delivered "
        f"{len(flaky.accepted)}, duplicated {duplicated}, "
        f"lost {CONTACTS + COPIES - len(flaky.accepted)}"
    )
    assert statuses == {202: CONTACTS}
    expected = {f"s-{number}" for number in range(CONTACTS)}
    assert set(flaky.accepted) == expected | {f"d-{number}" for number in range(COPIES)}
    assert duplicated == 0
    assert copies[202] >= COPIES
    assert set(copies) <= {202, 409}


async def post_to_both_at_once(ports: list[int], token: str) -> Counter[int]:
    """Post each contact ``d-<n>`` to both processes at the same moment; the answers' codes."""
    async with httpx.AsyncClient(timeout=10) as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    f"http://127.0.0.1:{port}/hooks/{token}", data={"transactionid": f"d-{n}"}
                )
                for n in range(COPIES)
                for port in ports
            )
        )
    return Counter(answer.status_code for answer in answers)
