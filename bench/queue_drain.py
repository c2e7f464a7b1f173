"""How many deliveries per second the queue's worker makes, on SQLite or PostgreSQL.

Seeds EVENTS due events for one endpoint (stored through the real event writer, as if their
first try had failed), then starts one process's worker (the real Worker, Pipeline and
aiohttp session) and times how long it takes until every event is delivered to the target.

    python bench/queue_drain.py --database URL --target URL [--events 5000] [--workers 8]

Prints one line: ``QUEUE database=... events=... workers=... seconds=... per_second=...``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import msgspec

from server.imports import import_documents
from server.mapping.spec import MappingDocument
from server.pipeline import running_pipeline
from server.settings import Settings
from server.store import queries
from server.store.db import backend_of, open_database
from server.store.models import Event
from server.store.writer import EventWriter, NewEvent
from server.worker import Worker


def endpoint(target: str) -> MappingDocument:
    document = {
        "switchboard": 1,
        "endpoint": {"name": "Queue bench", "response": "async", "retries": []},
        "actions": [
            {
                "name": "forward",
                "request": {"url": target},
                "fields": {"email": {"from": "$.body.contact.email"}},
            }
        ],
    }
    return msgspec.convert(document, MappingDocument)


async def seed(database: str, endpoint_id: str, events: int) -> None:
    writer = await EventWriter.start(database)
    try:
        rows = [
            NewEvent(
                endpoint_id=endpoint_id,
                method="POST",
                content_type="application/x-www-form-urlencoded",
                query_string="",
                raw_body=b"",
                payload={"query": {}, "body": {"contact": {"email": f"c{n}@bench.test"}}},
                body_format="form",
                transactionid=f"q-{n}",
                dedupe_key=None,
                payload_hash=f"{n:064x}",
                flags=[],
            )
            for n in range(events)
        ]
        await asyncio.gather(*(writer.record_event(row) for row in rows))
    finally:
        await writer.close()


async def until_delivered(events: int) -> None:
    """Return once ``events`` events are delivered (checked every 50 ms)."""
    while await Event.filter(status="delivered").count() < events:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


async def main(arguments: argparse.Namespace) -> None:
    settings = Settings(
        data_dir=Path(arguments.data_dir),
        database_url=arguments.database,
        queue_poll_seconds=0.02,
        workers=arguments.workers,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with open_database(settings.effective_database_url):
        [result] = await import_documents([endpoint(arguments.target)])
        stored = await queries.endpoint_by_key(result.key)
        assert stored is not None
        await seed(settings.effective_database_url, str(stored.id), arguments.events)
        async with running_pipeline(settings) as pipeline:
            worker = Worker(
                pipeline,
                concurrency=arguments.workers,
                poll_seconds=settings.queue_poll_seconds,
                lease_seconds=settings.lease_seconds,
            )
            started = time.perf_counter()
            worker.start()
            await until_delivered(arguments.events)
            seconds = time.perf_counter() - started
            await worker.stop()
    print(
        f"QUEUE database={backend_of(settings.effective_database_url)} "
        f"events={arguments.events} workers={arguments.workers} "
        f"seconds={seconds:.2f} per_second={arguments.events / seconds:.0f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--data-dir", default="bench-queue-data")
    parser.add_argument("--target", required=True)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=8)
    asyncio.run(main(parser.parse_args()))
