"""The database is starting up: after a crash, PostgreSQL takes connections only once its
recovery is done (minutes, on a large database), and meanwhile refuses every one with
SQLSTATE 57P03, "the database system is starting up". The same answer comes for a moment
during every restart and shutdown.

While it lasts (the cluster is stopped and its port answers as a starting server, see
``ThrowawayPostgres.starting_up``), every event must be refused with 503 and Retry-After as
when the database is plainly down; and once it is over, the background worker must still be
there to retry deliveries.
"""

from __future__ import annotations

import time

import pytest
from fault_support import (
    Served,
    Tally,
    assert_alive,
    assert_delivered_once_and_refused_never,
    first_acknowledged_after_recovery,
    post_accepted,
    post_refused,
    wait_for_deliveries,
)
from support.pg_cluster import ThrowawayPostgres
from support.target import Answer, Target

# Long enough for the worker (polling every 0.1 s here) to look at the queue many times.
STARTING_UP_FOR_S = 1.0
# The retry is due at once (SWITCHBOARD_RETRY_SCHEDULE=0): this is plenty for the worker.
RETRY_WITHIN_S = 3.0


@pytest.mark.parametrize(
    "mapping_refresh_seconds",
    [
        pytest.param("0", id="endpoint-read-per-event"),
        pytest.param("3600", id="endpoint-cached"),
    ],
)
def test_events_are_refused_with_503_while_the_database_starts_up(
    served_on_throwaway_postgres: Served,
    throwaway_postgres: ThrowawayPostgres,
    threaded_target: Target,
) -> None:
    served, tally = served_on_throwaway_postgres, Tally()
    post_accepted(served, tally, "before")

    throwaway_postgres.stop()
    with throwaway_postgres.starting_up() as impostor:
        post_refused(served, tally, "starting")
        assert_alive(served, ready=False)
    assert impostor.connections > 0, "the server never met the starting database"

    throwaway_postgres.start()
    first_acknowledged_after_recovery(served, tally)
    post_accepted(served, tally, "after")
    assert_alive(served, ready=True)

    stored = {row[0] for row in throwaway_postgres.query("SELECT transactionid FROM event")}
    assert_delivered_once_and_refused_never(tally, threaded_target, stored)


def test_the_worker_still_retries_once_the_database_has_started(
    served_on_throwaway_postgres: Served,
    throwaway_postgres: ThrowawayPostgres,
    threaded_target: Target,
) -> None:
    served, tally = served_on_throwaway_postgres, Tally()
    assert_the_worker_retries(served, tally, threaded_target, "before")

    throwaway_postgres.stop()
    with throwaway_postgres.starting_up() as impostor:
        time.sleep(STARTING_UP_FOR_S)
    assert impostor.connections > 0, "the server never met the starting database"
    throwaway_postgres.start()
    first_acknowledged_after_recovery(served, tally)

    assert_the_worker_retries(served, tally, threaded_target, "after")


def assert_the_worker_retries(served: Served, tally: Tally, target: Target, phase: str) -> None:
    """The target fails the next delivery once: the worker must deliver it again."""
    target.route("POST", "/contacts", Answer(status=500), Answer(json={"ok": True}))
    tally.post(served, phase)
    transactionid = list(tally.answers)[-1]
    counts = wait_for_deliveries(target, [transactionid], times=2, within=RETRY_WITHIN_S)
    assert counts[transactionid] == 2, (
        f"{phase} the outage, the worker did not retry a failed delivery within "
        f"{RETRY_WITHIN_S:g} s\n{served.log()}"
    )
