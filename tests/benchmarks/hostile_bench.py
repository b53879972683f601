"""What each hostile upload costs: outcome, wall time and the worker's peak memory.

Each file of `tests/fixtures/hostile/corpus.py` is read and reviewed as `docsense serve`
does it (`read_and_review_in_worker` under the default `WorkerLimits`), in a fresh process
per file so that the peak resident memory of its worker processes (RUSAGE_CHILDREN, after
the pool has exited) belongs to that file alone. One JSON object a line, then a summary
with the slowest file and the largest worker:

    .venv/bin/python tests/benchmarks/hostile_bench.py [--case NAME ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from domain.ingest import IngestRefused  # noqa: E402
from domain.ingest.offload import WorkerLimits, shutdown_ingest_pool  # noqa: E402
from domain.pipeline import read_and_review_in_worker  # noqa: E402
from tests.fixtures.hostile.corpus import CASES  # noqa: E402

MAX_BYTES = 50 * 1024 * 1024


async def _measure(name: str) -> dict[str, object]:
    case = next(case for case in CASES if case.name == name)
    data = case.build()
    began = time.perf_counter()
    try:
        ir, review = await read_and_review_in_worker(
            data, case.filename, None, max_bytes=MAX_BYTES, limits=WorkerLimits()
        )
        outcome = f"reviewed: {ir.words} words, {len(review.findings)} findings"
    except IngestRefused as refused:
        outcome = f"refused: {refused.reason.value}"
    seconds = time.perf_counter() - began
    shutdown_ingest_pool(wait=True)
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "case": name,
        "bytes": len(data),
        "expected": case.expect,
        "outcome": outcome,
        "seconds": round(seconds, 2),
        "worker_peak_rss_mb": round(worker_kb / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="only these cases")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_measure(args.child))))
        return
    rows = []
    for case in CASES:
        if args.case and case.name not in args.case:
            continue
        child = subprocess.run(
            [sys.executable, __file__, "--child", case.name],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(child.stdout.splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    slowest = max(rows, key=lambda row: row["seconds"])
    largest = max(rows, key=lambda row: row["worker_peak_rss_mb"])
    as_expected = sum(
        row["outcome"].startswith(row["expected"]) or row["outcome"].endswith(row["expected"])
        for row in rows
    )
    print(
        json.dumps(
            {
                "files": len(rows),
                "as_expected": as_expected,
                "slowest": {"case": slowest["case"], "seconds": slowest["seconds"]},
                "largest_worker": {
                    "case": largest["case"],
                    "peak_rss_mb": largest["worker_peak_rss_mb"],
                },
                "limits": {
                    "cpu_seconds": WorkerLimits().cpu_seconds,
                    "memory_mb": (WorkerLimits().memory_bytes or 0) // 2**20,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
