"""`switchboard replay --endpoint KEY`: an endpoint's failed events of a time range, sent again.

The events are received through the real pipeline from a loopback target that fails, then their
reception times are spread over days; the command then runs against the target recovered.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import msgspec
import pytest
from click.testing import CliRunner, Result
from support.target import Answer, ReceivedRequest, Target

from server.cli import main
from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.pipeline import Inbound, running_pipeline
from server.settings import Settings
from server.store.db import open_database
from server.store.models import Attempt, Endpoint, Event

T = TypeVar("T")
Invoke = Callable[..., Result]

# Each event: its endpoint, whether the target accepts it, and how long ago it was received.
EVENTS = {
    "s-old": ("Shop", False, timedelta(days=3)),
    "s-ok": ("Shop", True, timedelta(hours=2)),
    "s-mid": ("Shop", False, timedelta(hours=5)),
    "s-new": ("Shop", False, timedelta(minutes=30)),
    "o-mid": ("Other", False, timedelta(hours=5)),
}


class Recovering:
    """The target's answer: 500 while ``failing``, else 201 (but 500 for ``still_failing``)."""

    def __init__(self) -> None:
        self.failing = True
        self.still_failing: set[str] = set()

    def __call__(self, request: ReceivedRequest) -> Answer:
        if self.failing or request.transactionid in self.still_failing:
            return Answer(status=500, json={"message": "down"})
        return Answer(status=201, json={"id": "crm-1"})


@dataclass
class Stored:
    """The events as stored (ids and reception times by transactionid) and the target."""

    ids: dict[str, str]
    received: dict[str, datetime]
    target: Target
    answers: Recovering
    database_url: str
    sent_before: int = 0

    def resent(self) -> list[str]:
        """The transactionids the target got since the events were stored, sorted."""
        return sorted(r.transactionid or "" for r in self.target.requests[self.sent_before :])

    def line(self, transactionid: str, status: str, answer: int) -> str:
        return f"{self.ids[transactionid]}: {status} (answer {answer})"

    def statuses(self) -> dict[str, str]:
        rows = in_database(self.database_url, lambda: Event.all().values("transactionid", "status"))
        return {row["transactionid"]: row["status"] for row in rows}

    def rounds(self, transactionid: str) -> list[tuple[int, str]]:
        """The event's attempts: (attempt_no, outcome), in order."""
        event_id = self.ids[transactionid]
        rows = in_database(
            self.database_url,
            lambda: (
                Attempt.filter(event_id=event_id)
                .order_by("attempt_no")
                .values_list("attempt_no", "outcome")
            ),
        )
        return [(number, outcome) for number, outcome in rows]


def in_database(database_url: str, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_database(database_url):
            return await work()

    return asyncio.run(run())


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "SWITCHBOARD_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SWITCHBOARD_RETRY_SCHEDULE": "none",
    }


@pytest.fixture
def run(env: dict[str, str]) -> Invoke:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["replay", *args], env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def stored(threaded_target: Target, tmp_path: Path, database_url: str) -> Stored:
    """Shop: s-ok delivered, s-old/s-mid/s-new failed; Other: o-mid failed. Target recovered."""
    answers = Recovering()
    threaded_target.route("POST", "/c", answers)
    settings = Settings(data_dir=tmp_path, database_url=database_url, retry_schedule=())
    now = datetime.now(UTC)
    received = {transactionid: now - age for transactionid, (_, _, age) in EVENTS.items()}
    ids = asyncio.run(receive_events(settings, f"{threaded_target.url}/c", answers, received))
    answers.failing = False
    found = Stored(ids, received, threaded_target, answers, database_url)
    found.sent_before = len(threaded_target.requests)
    assert found.statuses() == {
        "s-old": "failed",
        "s-ok": "delivered",
        "s-mid": "failed",
        "s-new": "failed",
        "o-mid": "failed",
    }
    return found


async def receive_events(
    settings: Settings, url: str, answers: Recovering, received: dict[str, datetime]
) -> dict[str, str]:
    """Receive :data:`EVENTS` through the pipeline, then date them; their ids."""
    ids = {}
    async with open_database(settings.effective_database_url):
        tokens = {name: await import_endpoint(name, url) for name in ("Shop", "Other")}
        async with running_pipeline(settings) as pipeline:
            for transactionid, (name, accepted, _) in EVENTS.items():
                answers.failing = not accepted
                body = urlencode({"transactionid": transactionid, "contact[email]": "a@b.test"})
                inbound = Inbound(
                    tokens[name], "POST", "application/x-www-form-urlencoded", b"", body.encode()
                )
                answer = await pipeline.receive(inbound)
                assert answer.event_id is not None, answer
                ids[transactionid] = answer.event_id
        for transactionid, moment in received.items():
            await Event.filter(id=ids[transactionid]).update(received_at=moment)
    return ids


async def import_endpoint(name: str, url: str) -> str:
    """An endpoint (key: its name in lower case) sending each contact to ``url``; its token."""
    document: dict[str, Any] = {
        "switchboard": 1,
        "endpoint": {"name": name},
        "actions": [
            {
                "name": "create",
                "request": {"url": url, "timeout": 5},
                "fields": {"transactionid": {"from": "$.body.transactionid"}},
            }
        ],
    }
    [result] = await import_documents([msgspec.convert(document, MappingDocument)])
    assert result.key == name.lower()
    return result.token


def when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@pytest.mark.postgres
def test_the_endpoints_failed_events_in_the_range_are_sent_again_and_delivered(
    stored: Stored, run: Invoke
) -> None:
    asked = datetime.now(UTC).replace(microsecond=0)
    result = run("--endpoint", "shop", "--since", "1d")
    answered = datetime.now(UTC)

    assert stored.resent() == ["s-mid", "s-new"]
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    heading = "2 failed events of Shop (shop) received since "
    assert lines[0].startswith(heading), lines
    since = datetime.strptime(lines[0], heading + "%Y-%m-%d %H:%M:%S UTC.").replace(tzinfo=UTC)
    assert asked - timedelta(days=1) <= since <= answered - timedelta(days=1)
    assert lines[1] == f"Received from {when(stored.received['s-mid'])} to " + (
        f"{when(stored.received['s-new'])}."
    )
    assert sorted(lines[2:4]) == sorted(
        [stored.line("s-mid", "delivered", 200), stored.line("s-new", "delivered", 200)]
    )
    assert lines[4:] == ["2 replayed: 2 delivered, 0 failed, 0 skipped"]
    assert stored.statuses() == {
        "s-old": "failed",
        "s-ok": "delivered",
        "s-mid": "delivered",
        "s-new": "delivered",
        "o-mid": "failed",
    }
    assert stored.rounds("s-mid") == [(1, "failed"), (2, "success")]
    assert stored.rounds("s-old") == [(1, "failed")]


@pytest.mark.postgres
def test_a_dry_run_counts_each_range_and_sends_nothing(stored: Stored, run: Invoke) -> None:
    now = datetime.now(UTC)
    day_before_yesterday = (now - timedelta(days=2)).date().isoformat()
    an_hour_ago_at_plus_two = (now - timedelta(hours=1)).astimezone(timezone(timedelta(hours=2)))
    ranges = {
        ("--since", "1d"): ("s-mid", "s-new"),
        ("--since", "4d", "--until", "1h"): ("s-old", "s-mid"),
        (): ("s-old", "s-mid", "s-new"),
        ("--since", (now - timedelta(days=1)).replace(tzinfo=None).isoformat("T", "minutes")): (
            "s-mid",
            "s-new",
        ),
        ("--until", an_hour_ago_at_plus_two.isoformat()): ("s-old", "s-mid"),
        ("--since", day_before_yesterday): ("s-mid", "s-new"),
        ("--status", "delivered", "--until", "90m"): ("s-ok",),
    }
    for options, expected in ranges.items():
        result = run("--endpoint", "shop", "--dry-run", *options)

        assert result.exit_code == 0, result.output
        status = "delivered" if "delivered" in options else "failed"
        noun = "event" if len(expected) == 1 else "events"
        assert result.output.startswith(f"{len(expected)} {status} {noun} of Shop (shop)"), (
            options,
            result.output,
        )
        first, last = (when(stored.received[expected[i]]) for i in (0, -1))
        assert f"\nReceived from {first} to {last}.\nDry run: nothing was sent.\n" in result.output

    nothing = run("--endpoint", "other", "--since", "1h")
    assert nothing.exit_code == 0
    assert nothing.output.startswith("0 failed events of Other (other) received since")
    assert nothing.output.endswith(": nothing to replay.\n")
    assert stored.resent() == []


@pytest.mark.postgres
def test_a_replay_that_fails_again_is_counted_and_the_exit_status_is_1(
    stored: Stored, run: Invoke
) -> None:
    stored.answers.still_failing = {"s-new"}

    result = run("--endpoint", "shop")

    assert stored.resent() == ["s-mid", "s-new", "s-old"]
    assert result.exit_code == 1
    assert stored.line("s-new", "failed", 502) in result.output.splitlines()
    assert result.output.endswith("\n3 replayed: 2 delivered, 1 failed, 0 skipped\n")
    assert stored.rounds("s-new") == [(1, "failed"), (2, "failed")]


@pytest.mark.postgres
def test_events_of_a_switched_off_endpoint_are_skipped(stored: Stored, run: Invoke) -> None:
    in_database(stored.database_url, lambda: Endpoint.filter(key="shop").update(enabled=False))

    result = run("--endpoint", "shop", "--yes")

    assert stored.resent() == []
    assert result.exit_code == 1
    assert f"{stored.ids['s-old']}: The event's endpoint is deleted or switched off" in (
        result.output
    )
    assert result.output.endswith("\n3 replayed: 0 delivered, 0 failed, 3 skipped\n")


@pytest.mark.postgres
def test_over_the_cap_the_oldest_are_replayed_and_the_command_says_how_to_narrow(
    stored: Stored, run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.cli.REPLAY_CAP", 2)

    result = run("--endpoint", "shop")

    assert stored.resent() == ["s-mid", "s-old"]
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 failed events of Shop (shop).\n")
    assert (
        "That is more than one replay takes (2): this one takes the oldest 2, received from "
        f"{when(stored.received['s-old'])} to {when(stored.received['s-mid'])}. Replay again "
        "for the rest, or narrow the range with --since and --until."
    ) in result.output
    assert result.output.endswith("\n2 replayed: 2 delivered, 0 failed, 0 skipped\n")


@pytest.mark.postgres
def test_events_named_by_id_are_still_replayed_in_the_order_given(
    stored: Stored, run: Invoke
) -> None:
    result = run(stored.ids["s-new"], stored.ids["o-mid"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        stored.line("s-new", "delivered", 200),
        stored.line("o-mid", "delivered", 200),
        "2 replayed: 2 delivered, 0 failed, 0 skipped",
    ]
    assert [r.transactionid for r in stored.target.requests[stored.sent_before :]] == [
        "s-new",
        "o-mid",
    ]


@pytest.mark.postgres
def test_on_a_terminal_the_command_asks_first_and_no_sends_nothing(
    stored: Stored, env: dict[str, str]
) -> None:
    answer, terminal = os.openpty()
    try:
        os.write(answer, b"n\n")
        finished = subprocess.run(
            [sys.executable, "-m", "server.cli", "replay", "--endpoint", "shop"],
            stdin=terminal,
            capture_output=True,
            env={**os.environ, **env},
            timeout=60,
            check=False,
        )
    finally:
        os.close(answer)
        os.close(terminal)

    assert finished.returncode == 1
    assert b"Replay 3 events now? [y/N]" in finished.stdout
    assert b"Aborted" in finished.stderr
    assert stored.resent() == []


@pytest.mark.postgres
def test_an_unknown_endpoint_is_named_and_exits_2(run: Invoke) -> None:
    result = run("--endpoint", "nope", "--dry-run")

    assert result.exit_code == 2
    assert "Invalid value for '--endpoint': no endpoint has the key 'nope'" in result.output


@pytest.mark.parametrize("moment", ["yesterday", "3x", "2026-13-01", "-2h", "2h ago", "999999999d"])
def test_a_moment_that_is_neither_iso_nor_a_time_ago_is_refused(moment: str) -> None:
    result = CliRunner().invoke(main, ["replay", "--endpoint", "shop", "--since", moment])

    assert result.exit_code == 2
    assert f"Invalid value for '--since': '{moment}' is not a moment" in result.output
    assert "2026-11-20T14:00" in result.output  # an example of what is understood


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--endpoint", "shop", "01a20000-0000-7000-8000-000000000000"], "not both"),
        ([], "give the ids of the events to replay, or --endpoint KEY"),
        (["--dry-run", "01a20000-0000-7000-8000-000000000000"], "go with --endpoint"),
        (["--since", "2h"], "go with --endpoint"),
        (
            ["--endpoint", "shop", "--since", "2026-11-20", "--until", "2026-11-19T23:00"],
            "Invalid value for '--since': must be before --until",
        ),
    ],
)
def test_arguments_that_do_not_go_together_are_refused(
    arguments: list[str], complaint: str
) -> None:
    result = CliRunner().invoke(main, ["replay", *arguments])

    assert result.exit_code == 2
    assert complaint in result.output
