"""Wiring: one place that turns settings into a pool, a store, services and projections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import asyncpg

from bot.observability import MetricsObserver
from bot.settings import Settings
from domain.ingest.offload import ingest_in_worker, shutdown_ingest_pool
from domain.projections import DocumentsProjection
from domain.service import DocumentService
from eventstore import EventStore, JobQueue
from eventstore.database import connect, create_pool, resolve_dsn
from eventstore.migrate import Migration, bundled_migrations, migrate
from eventstore.projections import Projector


def all_migrations() -> list[Migration]:
    return bundled_migrations("eventstore") + bundled_migrations("domain")


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    dsn: str
    pool: asyncpg.Pool
    store: EventStore
    jobs: JobQueue
    documents: DocumentService
    projectors: tuple[Projector, ...]

    async def catch_up(self) -> None:
        """Bring every read model up to the end of the log (the CLI reads right after)."""
        for projector in self.projectors:
            await projector.catch_up()


async def database_dsn(settings: Settings) -> str:
    # Starting the embedded server can take seconds: keep it off the event loop.
    return await asyncio.to_thread(resolve_dsn, settings.database_url, settings.docsense_data_dir)


async def migrate_database(dsn: str) -> list[Migration]:
    connection = await connect(dsn)
    try:
        return await migrate(connection, all_migrations())
    finally:
        await connection.close()


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    dsn = await database_dsn(settings)
    await migrate_database(dsn)
    pool = await create_pool(
        dsn, min_size=settings.db_pool_min_size, max_size=settings.db_pool_max_size
    )
    store = EventStore(pool, observer=MetricsObserver())
    jobs = JobQueue(pool, lease=timedelta(seconds=settings.job_lease_seconds))
    try:
        yield Runtime(
            settings=settings,
            dsn=dsn,
            pool=pool,
            store=store,
            jobs=jobs,
            documents=DocumentService(
                store, partial(ingest_in_worker, max_bytes=settings.max_upload_bytes), jobs
            ),
            projectors=(Projector(store, DocumentsProjection()),),
        )
    finally:
        await pool.close()
        shutdown_ingest_pool(wait=False)
