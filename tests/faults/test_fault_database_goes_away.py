"""The database goes away for a while: nothing unstored is acknowledged, and the server
recovers by itself.

A real ``switchboard serve`` runs on a throwaway PostgreSQL cluster. Events are posted
before, during and after a fast shutdown of the cluster, each with its own transactionid;
the loopback target counts which of them reached it. While the database is down every event
must be refused with 503 and Retry-After (the platform will send it again), never
acknowledged, and the process must stay up; once the database is back, events are accepted
and delivered again without restarting the server.

It runs twice: with endpoints re-read on every event (the listener's endpoint lookup goes
through tortoise's connection pool, during the outage and after) and with endpoints cached
for the whole test (only the event writer's own connection meets the outage).
"""

from __future__ import annotations

import pytest
from fault_support import (
    Served,
    Tally,
    assert_alive,
    assert_delivered_once_and_refused_never,
    first_acknowledged_after_recovery,
    post_accepted,
    post_refused,
)
from support.pg_cluster import ThrowawayPostgres
from support.target import Target


@pytest.mark.parametrize(
    "mapping_refresh_seconds",
    [
        pytest.param("0", id="endpoint-read-per-event"),
        pytest.param("3600", id="endpoint-cached"),
    ],
)
def test_database_outage_refuses_events_and_recovers_without_restart(
    served_on_throwaway_postgres: Served,
    throwaway_postgres: ThrowawayPostgres,
    threaded_target: Target,
) -> None:
    served, tally = served_on_throwaway_postgres, Tally()
    post_accepted(served, tally, "before")
    assert_alive(served, ready=True)

    throwaway_postgres.stop()
    post_refused(served, tally, "outage")
    assert_alive(served, ready=False)

    throwaway_postgres.start()
    first_acknowledged_after_recovery(served, tally)
    post_accepted(served, tally, "after")
    assert_alive(served, ready=True)

    stored = {row[0] for row in throwaway_postgres.query("SELECT transactionid FROM event")}
    assert_delivered_once_and_refused_never(tally, threaded_target, stored)
