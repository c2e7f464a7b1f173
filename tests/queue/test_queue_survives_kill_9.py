"""``kill -9`` in the middle of a load, then a restart: every acknowledged contact arrives.

The server is a real ``switchboard serve`` process, on SQLite or on PostgreSQL. Contacts are
posted many at a time; the process is killed without warning half-way, started again on the same
database, and the loopback target's count is compared with what the listener acknowledged. On
PostgreSQL the restarted process takes the killed one's events once their leases run out (a
short lease here: the action's 1 s timeout plus 2 s).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from support.processes import free_port, wait_until_healthy
from support.target import Target

CONTACTS = 2000
KILL_AFTER = 1000
CONCURRENCY = 32
SETTLE_WITHIN_S = 90.0
MAPPING = """\
switchboard: 1
endpoint: {{name: Killed, key: killed, response: async}}
actions:
  - name: forward
    request: {{url: "{url}/c", timeout: 1}}
    fields: {{transactionid: {{from: $.body.transactionid}}}}
"""


def serve(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


async def post_all(hook: str, answers: dict[str, int], process: subprocess.Popen[bytes]) -> None:
    """Post every contact, CONCURRENCY at a time; kill the server after KILL_AFTER answers."""
    numbers = iter(range(CONTACTS))
    async with httpx.AsyncClient(timeout=10) as client:

        async def sender() -> None:
            for number in numbers:
                transactionid = f"k-{number}"
                if len(answers) == KILL_AFTER:
                    os.kill(process.pid, signal.SIGKILL)
                try:
                    reply = await client.post(hook, data={"transactionid": transactionid})
                    answers[transactionid] = reply.status_code
                except httpx.HTTPError:
                    answers[transactionid] = 0  # no answer: not acknowledged

        await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))


@pytest.mark.postgres
def test_every_acknowledged_contact_is_delivered_after_a_kill(
    tmp_path: Path, threaded_target: Target, database_url: str
) -> None:
    threaded_target.route("POST", "/c", status=201, json={"id": 1})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "SWITCHBOARD_DATA_DIR": str(tmp_path / "data"),
        "SWITCHBOARD_PORT": str(port),
        "DATABASE_URL": database_url,
        "SWITCHBOARD_QUEUE_POLL_SECONDS": "0.2",
        "SWITCHBOARD_LEASE_SECONDS": "2",
    }
    mapping = tmp_path / "killed.yaml"
    mapping.write_text(MAPPING.format(url=threaded_target.url))
    subprocess.run(
        [sys.executable, "-m", "server.cli", "import", str(mapping)],
        env=environment,
        check=True,
        capture_output=True,
    )
    token = (
        subprocess.run(
            [sys.executable, "-m", "server.cli", "endpoints"],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.split("/hooks/")[1]
        .split()[0]
    )
    log = tmp_path / "serve.log"
    process = serve(environment, log)
    wait_until_healthy(base, process)
    answers: dict[str, int] = {}

    asyncio.run(post_all(f"{base}/hooks/{token}", answers, process))
    process.wait(timeout=10)
    restarted = serve(environment, log)
    try:
        wait_until_healthy(base, restarted)
        acknowledged = {txn for txn, status in answers.items() if 200 <= status < 300}
        deadline = time.monotonic() + SETTLE_WITHIN_S
        while not acknowledged <= set(threaded_target.transaction_counts()):
            assert time.monotonic() < deadline, "acknowledged contacts did not all arrive"
            time.sleep(0.2)
    finally:
        restarted.terminate()
        restarted.wait(timeout=20)

    counts: Counter[str] = threaded_target.transaction_counts()
    lost = acknowledged - set(counts)
    duplicated = sum(1 for txn in acknowledged if counts[txn] > 1)
    print(
        f"\nkill -9: sent {len(answers)}, acknowledged {len(acknowledged)}, "
        f"delivered {len(acknowledged & set(counts))}, duplicated {duplicated}, lost {len(lost)}"
    )
    assert lost == set()
    assert KILL_AFTER <= len(acknowledged) < CONTACTS  # the kill really cut the load short
