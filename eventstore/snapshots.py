"""Snapshots: a cache of folded stream state that never changes the answer, only its cost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eventstore.store import EventStore, RecordedEvent

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Fold(Generic[S]):
    """How a stream's events become state, and how that state is cached as JSON."""

    initial: Callable[[], S]
    apply: Callable[[S, RecordedEvent], S]
    to_json: Callable[[S], dict[str, Any]]
    from_json: Callable[[dict[str, Any]], S]


async def save_snapshot(store: EventStore, stream_id: str, version: int, state: dict) -> None:
    """Keep the newest snapshot; an older one arriving late never replaces it."""
    await store.pool.execute(
        """INSERT INTO snapshots (stream_id, version, state) VALUES ($1, $2, $3)
           ON CONFLICT (stream_id) DO UPDATE
           SET version = EXCLUDED.version, state = EXCLUDED.state, taken_at = now()
           WHERE snapshots.version < EXCLUDED.version""",
        stream_id,
        version,
        state,
    )


async def load(
    store: EventStore, stream_id: str, fold: Fold[S], *, use_snapshot: bool = True
) -> tuple[S, int]:
    """State and version of a stream: the snapshot (if any) plus the events after it."""
    state, version = fold.initial(), 0
    if use_snapshot:
        row = await store.pool.fetchrow(
            "SELECT version, state FROM snapshots WHERE stream_id = $1", stream_id
        )
        if row is not None:
            state, version = fold.from_json(row["state"]), row["version"]
    for event in await store.read_stream(stream_id, after_version=version):
        state, version = fold.apply(state, event), event.version
    return state, version
