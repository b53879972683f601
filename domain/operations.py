"""Operator commands on the job queue: see what is queued or dead, retry dead letters.

A retry is a decision someone took, so it is recorded as a `JobRetried` event appended in
the transaction that requeues the job: the log says who retried what, and neither the
requeue nor its record exists without the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from domain import events as ev
from domain.service import stream_id
from eventstore import EventStore, JobQueue
from eventstore.jobs import JOB_STATES, JobSummary

OPERATIONS_STREAM = "operations"
"""Where retries of jobs that name no (recorded) document are recorded."""
UNFINISHED = tuple(state for state in JOB_STATES if state != "succeeded")
_NOT_DEAD = {"pending": "is pending", "running": "is running", "succeeded": "has succeeded"}


class JobNotRetryable(Exception):
    """A retry of a job that is not dead or does not exist; the message is for users."""


@dataclass(frozen=True, slots=True)
class JobRow:
    """A job with the document it is about, named from the documents read model."""

    job: JobSummary
    document_id: UUID | None
    filename: str | None


class JobOperations:
    def __init__(self, store: EventStore, jobs: JobQueue) -> None:
        self.store = store
        self.jobs = jobs

    async def list_jobs(
        self, *, states: Sequence[str] = UNFINISHED, limit: int = 50
    ) -> list[JobRow]:
        """Newest first; by default every job that is not done yet."""
        found = await self.jobs.list_jobs(states=states, limit=limit)
        documents = [document_of(job) for job in found]
        rows = await self.store.pool.fetch(
            "SELECT id, filename FROM documents WHERE id = ANY($1::uuid[])",
            [d for d in documents if d is not None],
        )
        names = {row["id"]: row["filename"] for row in rows}
        return [
            JobRow(job, document, names.get(document))
            for job, document in zip(found, documents, strict=True)
        ]

    async def retry(self, job_ids: Sequence[int] | None, *, actor: str) -> list[JobSummary]:
        """Requeue these dead jobs (every dead job when None), all or none: if one is not
        dead, nothing changes and JobNotRetryable says why. Returns them as they were."""
        wanted = None if job_ids is None else list(dict.fromkeys(job_ids))
        async with self.store.transaction() as connection:
            retried = await self.jobs.requeue_dead(connection, wanted)
            if wanted is not None and len(retried) < len(wanted):
                raise JobNotRetryable(await self._why_not(connection, wanted, retried))
            streams = [await self._stream_of(job) for job in retried]
            for job, stream in zip(retried, streams, strict=True):
                event = ev.JobRetried(
                    job_id=job.id, kind=job.kind, attempts=job.attempts, last_error=job.last_error
                )
                correlation = job.payload.get("correlation_id")
                await self.store.append(
                    stream,
                    None,
                    [event.to_new_event(actor=actor, correlation_id=correlation)],
                    connection=connection,
                )
        return retried

    async def _why_not(
        self, connection: asyncpg.Connection, wanted: list[int], retried: list[JobSummary]
    ) -> str:
        done = {job.id for job in retried}
        missing = [job_id for job_id in wanted if job_id not in done]
        states = {
            job.id: job.state
            for job in await self.jobs.list_jobs(ids=missing, limit=None, connection=connection)
        }
        reasons = [
            f"job {job_id} {_NOT_DEAD[states[job_id]]}"
            if job_id in states
            else f"there is no job {job_id}"
            for job_id in missing
        ]
        return f"Only dead jobs can be retried: {'; '.join(reasons)}. Nothing was changed."

    async def _stream_of(self, job: JobSummary) -> str:
        """The document's stream when it exists; a retry must never start a document stream
        (a stream without its DocumentSubmitted would pass for a recorded document)."""
        document_id = document_of(job)
        if document_id is not None and await self.store.stream_version(stream_id(document_id)):
            return stream_id(document_id)
        return OPERATIONS_STREAM


def document_of(job: JobSummary) -> UUID | None:
    """The document a job's payload names, if it names one well-formed id."""
    try:
        return UUID(str(job.payload["document_id"]))
    except (KeyError, ValueError):
        return None
