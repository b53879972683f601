"""Loading with a snapshot gives the same state as replaying the whole stream."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventstore import EventStore, NewEvent, RecordedEvent
from eventstore.snapshots import Fold, load, save_snapshot


def _apply(state: dict, event: RecordedEvent) -> dict:
    """A small but order-sensitive fold: a balance, a history and the last event type."""
    amount = event.data["amount"]
    balance = state["balance"] * 2 if event.type == "Doubled" else state["balance"] + amount
    return {"balance": balance, "history": [*state["history"], amount], "last": event.type}


LEDGER = Fold(
    initial=lambda: {"balance": 0, "history": [], "last": None},
    apply=_apply,
    to_json=dict,
    from_json=dict,
)

histories = st.lists(
    st.tuples(st.sampled_from(["Added", "Doubled"]), st.integers(-1000, 1000)),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories, cut=st.integers(0, 30))
async def test_snapshot_plus_tail_equals_full_replay(
    store: EventStore, history: list[tuple[str, int]], cut: int
) -> None:
    stream = f"ledger-{uuid.uuid4()}"
    events = [NewEvent(kind, {"amount": amount}) for kind, amount in history]
    cut = min(cut, len(events))
    if cut:
        await store.append(stream, 0, events[:cut])
        state, version = await load(store, stream, LEDGER, use_snapshot=False)
        await save_snapshot(store, stream, version, LEDGER.to_json(state))
    if cut < len(events):
        await store.append(stream, cut, events[cut:])

    with_snapshot = await load(store, stream, LEDGER)
    without = await load(store, stream, LEDGER, use_snapshot=False)
    assert with_snapshot == without
    assert without[1] == len(events)


async def test_an_older_snapshot_never_replaces_a_newer_one(store: EventStore) -> None:
    stream = f"ledger-{uuid.uuid4()}"
    await store.append(stream, 0, [NewEvent("Added", {"amount": 1}) for _ in range(4)])
    await save_snapshot(store, stream, 4, {"balance": 4, "history": [1, 1, 1, 1], "last": "Added"})
    await save_snapshot(store, stream, 2, {"balance": 2, "history": [1, 1], "last": "Added"})
    row = await store.pool.fetchrow("SELECT version FROM snapshots WHERE stream_id = $1", stream)
    assert row["version"] == 4
