"""The database goes away while an event is being delivered: the event was stored and the
target got it, but its outcome cannot be recorded.

The platform must not be told to send it again: a 503 asks it to, and then the contact
reaches the target twice. The cluster is stopped by the target itself, between receiving
the request and answering it.
"""

from __future__ import annotations

from fault_support import Served, Tally, first_acknowledged_after_recovery
from support.pg_cluster import ThrowawayPostgres
from support.target import Answer, ReceivedRequest, Target


def test_an_event_delivered_as_the_database_goes_away_is_not_refused(
    served_on_throwaway_postgres: Served,
    throwaway_postgres: ThrowawayPostgres,
    threaded_target: Target,
) -> None:
    served, tally = served_on_throwaway_postgres, Tally()

    def stop_the_database_then_answer(request: ReceivedRequest) -> Answer:
        throwaway_postgres.stop()
        return Answer(json={"id": "crm-1"})

    threaded_target.route("POST", "/contacts", stop_the_database_then_answer, Answer(json={}))
    reply = tally.post(served, "mid-delivery")
    [transactionid] = tally.answers
    assert threaded_target.count_transaction(transactionid) == 1
    assert not throwaway_postgres.running

    throwaway_postgres.start()
    first_acknowledged_after_recovery(served, tally)
    stored = {row[0] for row in throwaway_postgres.query("SELECT transactionid FROM event")}
    assert transactionid in stored, "the event the target got was not stored"
    assert reply.acknowledged, (
        f"the target got the event, yet the platform was answered {reply}: it will send the "
        f"event again\n{served.log()}"
    )
