"""Helpers for the fault tests: posting events to a served Switchboard, keeping count of
what it answered, and checking what reached the target."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from support.target import Target

REQUEST_TIMEOUT_S = 20.0
EVENTS_PER_PHASE = 5
# How long the server may take to notice that the database is back.
RECOVERY_WITHIN_S = 30.0
# How long acknowledged events may take to reach the target (a queue may deliver later).
DELIVERY_WITHIN_S = 15.0
POLL_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True, repr=False)
class Reply:
    """What an HTTP request got back (error statuses included)."""

    status: int
    headers: Message  # case-insensitive: headers.get("Retry-After")
    body: bytes

    def __repr__(self) -> str:
        retry_after = self.headers.get("Retry-After")
        return f"HTTP {self.status} (Retry-After: {retry_after}) {self.body[:300]!r}"

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Served:
    """A running ``switchboard serve``: its base URL, process, log, and the endpoint's hook."""

    base: str
    process: subprocess.Popen[bytes]
    log_file: Path
    hook_url: str

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


def http(method: str, url: str, body: bytes | None = None) -> Reply:
    """One request; an HTTP error status is an answer like any other."""
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, error.headers, error.read())


@dataclass
class Tally:
    """Every event posted, each with its own transactionid, and what the listener answered."""

    answers: dict[str, Reply] = field(default_factory=dict)

    def post(self, served: Served, phase: str) -> Reply:
        transactionid = f"{phase}-{uuid.uuid4().hex[:12]}"
        body = {"transactionid": transactionid, "contact": {"email": f"{transactionid}@x.test"}}
        reply = http("POST", served.hook_url, json.dumps(body).encode())
        self.answers[transactionid] = reply
        return reply

    def acknowledged(self) -> list[str]:
        return [tid for tid, reply in self.answers.items() if reply.acknowledged]

    def refused(self) -> list[str]:
        return [tid for tid, reply in self.answers.items() if reply.status == 503]

    def figures(self, delivered: Counter[str], stored: set[str]) -> dict[str, int]:
        acknowledged = self.acknowledged()
        return {
            "sent": len(self.answers),
            "acknowledged": len(acknowledged),
            "503": len(self.refused()),
            "stored": len(stored & set(self.answers)),
            "delivered": sum(1 for tid in self.answers if delivered[tid] >= 1),
            "duplicated": sum(1 for tid in self.answers if delivered[tid] > 1),
            "lost": sum(1 for tid in acknowledged if delivered[tid] == 0),
        }


def post_accepted(served: Served, tally: Tally, phase: str) -> None:
    for _ in range(EVENTS_PER_PHASE):
        reply = tally.post(served, phase)
        assert reply.acknowledged, (reply, served.log())


def post_refused(served: Served, tally: Tally, phase: str) -> None:
    for _ in range(EVENTS_PER_PHASE):
        assert_refused_for_now(served, tally.post(served, phase))


def assert_refused_for_now(served: Served, reply: Reply) -> None:
    """A 503 that tells the sender to come back, from a process that is still up."""
    assert reply.status == 503, (reply, served.log())
    assert reply.headers.get("Retry-After"), reply
    assert served.process.poll() is None, served.log()


def first_acknowledged_after_recovery(served: Served, tally: Tally) -> Reply:
    """Post until an event is acknowledged, or fail when time runs out; each refusal until
    then must still be a 503 with Retry-After."""
    deadline = time.monotonic() + RECOVERY_WITHIN_S
    while True:
        reply = tally.post(served, "recovering")
        if reply.acknowledged:
            return reply
        assert time.monotonic() < deadline, (
            f"no event was accepted within {RECOVERY_WITHIN_S:g} s of the database's return "
            f"(last answer: {reply})\n{served.log()}"
        )
        assert_refused_for_now(served, reply)
        time.sleep(POLL_INTERVAL_S)


def assert_alive(served: Served, *, ready: bool) -> None:
    """The process runs, /healthz says 200, and /readyz (where it exists) says ``ready``."""
    assert served.process.poll() is None, served.log()
    assert http("GET", f"{served.base}/healthz").status == 200
    readiness = http("GET", f"{served.base}/readyz").status
    if readiness != 404:
        assert readiness == (200 if ready else 503), readiness


def wait_for_deliveries(
    target: Target, transactionids: list[str], *, times: int = 1, within: float = DELIVERY_WITHIN_S
) -> Counter[str]:
    """The target's count per transactionid, once each of these arrived ``times`` times (or
    time ran out)."""
    deadline = time.monotonic() + within
    while True:
        counts = target.transaction_counts()
        if all(counts[tid] >= times for tid in transactionids) or time.monotonic() > deadline:
            return counts
        time.sleep(POLL_INTERVAL_S)


def assert_delivered_once_and_refused_never(
    tally: Tally, target: Target, stored: set[str]
) -> dict[str, int]:
    """Every acknowledged event is stored and reached the target exactly once; no refused
    event reached it. Returns the figures (also printed: ``pytest -s`` shows them)."""
    acknowledged, refused = tally.acknowledged(), tally.refused()
    delivered = wait_for_deliveries(target, acknowledged)
    figures = tally.figures(delivered, stored)
    print("figures:", ", ".join(f"{name} {count}" for name, count in figures.items()))
    assert figures["acknowledged"] + figures["503"] == figures["sent"], tally.answers
    assert set(acknowledged) <= stored, figures
    assert [delivered[tid] for tid in acknowledged] == [1] * len(acknowledged), figures
    assert [delivered[tid] for tid in refused] == [0] * len(refused), figures
    return figures
