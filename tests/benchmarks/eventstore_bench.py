"""Append throughput and latency: DocSense's store vs the eventsourcing library's recorder.

Both run in one process against one local PostgreSQL (embedded, or BENCH_DATABASE_URL),
each in a fresh database, for writers {1, 4, 16} x batch {1, 50}, every writer on its
own stream, with a tailing reader that follows the log by position and counts what it
missed. Prints one JSON object a line. `--quick` keeps the whole run under 2 minutes.

    .venv/bin/python tests/benchmarks/eventstore_bench.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import asyncpg

from eventstore import EventStore, NewEvent
from eventstore.database import create_pool
from eventstore.embedded import embedded_dsn
from eventstore.migrate import migrate
from eventstore.snapshots import Fold, load, save_snapshot

PAYLOAD = {"filename": "strategy-spec.pdf", "note": "x" * 120}


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _row(
    impl: str, writers: int, batch: int, events: int, seconds: float, lat: list[float], missed: int
) -> dict:
    return {
        "impl": impl,
        "writers": writers,
        "batch": batch,
        "events_per_s": round(events / seconds),
        "p50_ms": round(_percentile(lat, 0.50), 3),
        "p99_ms": round(_percentile(lat, 0.99), 3),
        "missed": missed,
    }


async def _fresh_database(server: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    head, _, query = server.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


async def bench_docsense(server: str, writers: int, batch: int, seconds: float) -> dict:
    dsn = await _fresh_database(server)
    pool = await create_pool(dsn, min_size=writers + 1, max_size=writers + 2)
    async with pool.acquire() as connection:
        await migrate(connection)
    store = EventStore(pool)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    done = threading.Event()
    seen: list[int] = []

    async def writer() -> int:
        stream, version, written = f"bench-{uuid.uuid4()}", 0, 0
        while time.perf_counter() < deadline:
            events = [NewEvent("Benchmarked", PAYLOAD) for _ in range(batch)]
            started = time.perf_counter()
            result = await store.append(stream, version, events)
            latencies.append(time.perf_counter() - started)
            version, written = result.version, written + batch
        return written

    def reader() -> None:
        """In its own thread and event loop, like the library's reader thread below."""

        async def tail() -> None:
            reader_pool = await create_pool(dsn, min_size=1, max_size=1)
            reader_store, cursor = EventStore(reader_pool), 0
            while True:
                finished = done.is_set()
                page = await reader_store.read_all(after_position=cursor, limit=1000)
                seen.extend(e.position for e in page)
                cursor = page[-1].position if page else cursor
                if finished and not page:
                    break
                if not page:
                    await asyncio.sleep(0.002)
            await reader_pool.close()

        asyncio.run(tail())

    tail = threading.Thread(target=reader)
    tail.start()
    started = time.perf_counter()
    written = sum(await asyncio.gather(*(writer() for _ in range(writers))))
    elapsed = time.perf_counter() - started
    done.set()
    await asyncio.to_thread(tail.join)
    stored = await pool.fetchval("SELECT count(*) FROM events")
    await pool.close()
    return _row("docsense", writers, batch, written, elapsed, latencies, stored - len(set(seen)))


def bench_eventsourcing(server: str, dsn: str, writers: int, batch: int, seconds: float) -> dict:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    url = urlparse(dsn)
    host = parse_qs(url.query).get("host", [url.hostname or "localhost"])[0]
    datastore = PostgresDatastore(
        dbname=url.path.lstrip("/"),
        host=host,
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or "",
        pool_size=writers + 1,
    )
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    state = json.dumps(PAYLOAD).encode()
    latencies: list[float] = []
    written = [0] * writers
    deadline = time.perf_counter() + seconds
    done = threading.Event()
    seen: list[int] = []

    def writer(index: int) -> None:
        originator, version = uuid.uuid4(), 0
        while time.perf_counter() < deadline:
            events = [
                StoredEvent(originator, version + i + 1, "bench:Benchmarked", state)
                for i in range(batch)
            ]
            started = time.perf_counter()
            recorder.insert_events(events)
            latencies.append(time.perf_counter() - started)
            version += batch
            written[index] += batch

    def reader() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            page = recorder.select_notifications(cursor, 1000, inclusive_of_start=False)
            seen.extend(n.id for n in page)
            cursor = page[-1].id if page else cursor
            if finished and not page:
                return
            if not page:
                time.sleep(0.002)

    tail = threading.Thread(target=reader)
    tail.start()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done.set()
    tail.join()
    stored = recorder.max_notification_id() or 0
    datastore.close()
    return _row(
        "eventsourcing", writers, batch, sum(written), elapsed, latencies, stored - len(set(seen))
    )


async def bench_snapshot_load(server: str, rounds: int) -> list[dict]:
    dsn = await _fresh_database(server)
    pool = await create_pool(dsn)
    async with pool.acquire() as connection:
        await migrate(connection)
    store = EventStore(pool)
    stream = f"bench-{uuid.uuid4()}"
    for start in range(0, 1000, 100):
        await store.append(stream, start, [NewEvent("Counted", {"n": 1}) for _ in range(100)])
    fold = Fold(
        initial=lambda: {"total": 0},
        apply=lambda s, e: {"total": s["total"] + e.data["n"]},
        to_json=dict,
        from_json=dict,
    )
    state, version = await load(store, stream, fold, use_snapshot=False)
    await save_snapshot(store, stream, version, state)
    rows = []
    for use_snapshot in (False, True):
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            await load(store, stream, fold, use_snapshot=use_snapshot)
            timings.append(time.perf_counter() - started)
        rows.append(
            {
                "impl": "docsense",
                "bench": "load_1000_event_stream",
                "snapshot": use_snapshot,
                "median_ms": round(statistics.median(timings) * 1000, 3),
            }
        )
    await pool.close()
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s per cell instead of 8 s")
    parser.add_argument("--database-url", help="server to use instead of an embedded one")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 8.0
    with tempfile.TemporaryDirectory(prefix="docsense-bench-") as folder:
        server = args.database_url or embedded_dsn(Path(folder))
        for writers in (1, 4, 16):
            for batch in (1, 50):
                print(json.dumps(await bench_docsense(server, writers, batch, seconds)), flush=True)
                dsn = await _fresh_database(server)
                row = await asyncio.to_thread(
                    bench_eventsourcing, server, dsn, writers, batch, seconds
                )
                print(json.dumps(row), flush=True)
        for row in await bench_snapshot_load(server, rounds=20 if args.quick else 100):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
