"""Wiring: one place that turns settings into a pool, a store, services and projections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import asyncpg

from bot.settings import Settings, SettingsError
from domain.ai.pricing import parse_overrides
from domain.ai.providers import build_providers
from domain.ingest.offload import WorkerLimits, shutdown_ingest_pool
from domain.ir import DocumentIR
from domain.pipeline import read_and_review, read_and_review_in_worker
from domain.projections import DocumentsProjection
from domain.review import RulesReview
from domain.service import AIServices, Analyse, DocumentService
from eventstore import DatabaseUnavailable, EventStore, JobQueue
from eventstore.database import connect, create_pool, resolve_dsn
from eventstore.migrate import Migration, bundled_migrations, migrate, pending_migrations
from eventstore.projections import Projector

if TYPE_CHECKING:
    from bot.observability import AIMetricsObserver, MetricsObserver

POOL_CLOSE_SECONDS = 15.0
IN_PROCESS_REVIEW_BYTES = 1024 * 1024
"""Files up to this size are reviewed in the CLI's own process. Starting a worker
process costs about as much as reviewing a 1 MB document (1-2 s, mostly imports); above
it the worker is worth its start: a long parse is isolated from the caller and its
memory goes back to the system when the worker is recycled. `serve` always uses
workers, so a review never holds its event loop."""


def ai_services(settings: Settings, observer: AIMetricsObserver | None) -> AIServices | None:
    """The configured models, or None for an offline (rules-only) DocSense."""
    providers = build_providers(settings.ai_settings())
    overrides = parse_overrides(settings.ai_prices)
    if not providers:
        return None
    from domain.ai.orchestrator import AIAnswerer, AIReviewer

    return AIServices(
        reviewer=AIReviewer(
            providers,
            max_concurrency=settings.ai_max_concurrency,
            timeout_seconds=settings.ai_timeout_seconds,
            max_output_tokens=settings.ai_max_output_tokens,
            price_overrides=overrides,
            observer=observer,
        ),
        answerer=AIAnswerer(
            providers,
            timeout_seconds=settings.ai_timeout_seconds,
            max_output_tokens=settings.ai_max_output_tokens,
            price_overrides=overrides,
            observer=observer,
        ),
    )


def _metrics_observers() -> tuple[MetricsObserver, AIMetricsObserver]:
    from bot.observability import AIMetricsObserver, MetricsObserver

    return MetricsObserver(), AIMetricsObserver()


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
    ai_observer: AIMetricsObserver | None

    async def catch_up(self) -> None:
        """Bring every read model up to the end of the log (the CLI reads right after)."""
        for projector in self.projectors:
            await projector.catch_up()


async def database_dsn(settings: Settings) -> str:
    # Starting the embedded server can take seconds: keep it off the event loop.
    return await asyncio.to_thread(resolve_dsn, settings.database_url, settings.docsense_data_dir)


async def migrate_database(settings: Settings, dsn: str) -> list[Migration]:
    """Apply pending migrations; the first connection waits out a database still starting."""
    connection = await database_connection(settings, dsn)
    try:
        if not await pending_migrations(connection, all_migrations()):
            return []
        return await migrate(connection, all_migrations())
    finally:
        await connection.close()


async def database_connection(settings: Settings, dsn: str) -> asyncpg.Connection:
    """A connection, or a start-up error naming the setting that points at the server."""
    try:
        return await connect(dsn, retry_seconds=settings.db_connect_seconds)
    except DatabaseUnavailable as error:
        variable = "DATABASE_URL" if settings.database_url else "DOCSENSE_DATA_DIR (embedded)"
        raise SettingsError([f"{variable}: {error}"], temporary=error.transient) from None


def _in_process_when_small(in_worker: Analyse, in_process: Callable[..., Any]) -> Analyse:
    async def analyse(
        data: bytes, filename: str, media_type: str | None
    ) -> tuple[DocumentIR, RulesReview]:
        if len(data) <= IN_PROCESS_REVIEW_BYTES:
            return in_process(data, filename, media_type)
        return await in_worker(data, filename, media_type)

    return analyse


@asynccontextmanager
async def open_runtime(settings: Settings, *, local: bool = False) -> AsyncIterator[Runtime]:
    """Everything a command needs. `local` is a one-shot CLI process: it reviews small
    files in-process and exports no metrics (nothing scrapes it, and the metrics
    library is not worth importing for a command that ends in a second)."""
    dsn = await database_dsn(settings)
    await migrate_database(settings, dsn)
    pool = await create_pool(
        dsn, min_size=settings.db_pool_min_size, max_size=settings.db_pool_max_size
    )
    observers = None if local else _metrics_observers()
    store = EventStore(pool, observer=observers[0] if observers else None)
    jobs = JobQueue(pool, lease=timedelta(seconds=settings.job_lease_seconds))
    reading = {"max_bytes": settings.max_upload_bytes, "pdf_extractor": settings.pdf_extractor}
    limits = WorkerLimits(settings.worker_cpu_seconds, settings.worker_memory_mb * 2**20 or None)
    analyse: Analyse = partial(read_and_review_in_worker, **reading, limits=limits)
    if local:
        analyse = _in_process_when_small(analyse, partial(read_and_review, **reading))
    ai_observer = observers[1] if observers else None
    ai = ai_services(settings, ai_observer)
    try:
        yield Runtime(
            settings=settings,
            dsn=dsn,
            pool=pool,
            store=store,
            jobs=jobs,
            documents=DocumentService(store, analyse, jobs, ai),
            projectors=(Projector(store, DocumentsProjection()),),
            ai_observer=ai_observer,
        )
    finally:
        if ai is not None:
            for provider in ai.reviewer.providers:
                await provider.aclose()
        try:
            await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
        except TimeoutError:
            pool.terminate()  # a connection still busy must not keep the process alive
        shutdown_ingest_pool(wait=False)
