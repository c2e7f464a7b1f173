"""The throwaway cluster the fault tests use: stopping it refuses clients, starting it again
brings back the same data on the same URL, and leaving it removes everything."""

from __future__ import annotations

import pytest
from support.pg_cluster import ClusterError, ThrowawayPostgres, throwaway_postgres_cluster


def test_throwaway_postgres_stops_then_starts_with_its_data(
    throwaway_postgres: ThrowawayPostgres,
) -> None:
    cluster = throwaway_postgres
    assert cluster.port != 5432
    assert cluster.query("SHOW fsync") == [("on",)]
    cluster.query("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before the stop')")

    cluster.stop()
    with pytest.raises(ClusterError, match=r"refused|No such file"):
        cluster.query("SELECT 1")

    cluster.start()
    assert cluster.query("SELECT current_database(), note FROM kept") == [
        ("switchboard", "before the stop")
    ]


def test_throwaway_postgres_is_stopped_and_removed_on_exit() -> None:
    used: list[ThrowawayPostgres] = []
    with pytest.raises(RuntimeError, match="the test failed"):
        fail_while_using_a_cluster(used)
    [cluster] = used
    assert not cluster.running
    assert not cluster.root.exists()


def fail_while_using_a_cluster(used: list[ThrowawayPostgres]) -> None:
    with throwaway_postgres_cluster() as cluster:
        used.append(cluster)
        assert cluster.running
        raise RuntimeError("the test failed")
