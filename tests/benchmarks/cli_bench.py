"""CLI benchmark: whole-process wall time of the commands a new user types first.

Prints one JSON object per line, each the median of `--repeat` runs (default 5) of a
fresh `docsense` process, after one untimed warm-up (which initialises the embedded
PostgreSQL in a throw-away data directory):
- `import_pypdf`: `python -c "import pypdf"`, the same run's yardstick for the machine;
- `help`: `docsense --help` (target <= 0.5 s);
- `status`: `docsense status` on a small store;
- `review_markdown_2_pages`: `docsense review` of docs/examples/momentum_strategy.md;
- `review_docx_40kb`: `docsense review` of a generated ~40 KB DOCX (target <= 1.5 s for
  both reviews). Between the runs the embedded PostgreSQL is stopped, as it is when no
  other `docsense` process uses it, so each run pays its start.

Usage: .venv/bin/python tests/benchmarks/cli_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.domain.ingest.builders import build_docx, strategy_outline  # noqa: E402

DOCSENSE = str(Path(sys.executable).with_name("docsense"))
HELP_TARGET_S = 0.5
REVIEW_TARGET_S = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docsense-cli-bench-") as folder:
        work = Path(folder)
        docx_path = work / "spec.docx"
        docx_path.write_bytes(
            build_docx(strategy_outline(sections=24, paragraphs=5), title="Carry Strategy")
        )
        markdown = ROOT / "docs" / "examples" / "momentum_strategy.md"
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AI_PROVIDER")},
            "DOCSENSE_DATA_DIR": str(work / "data"),
            "AI_PROVIDER": "rules",
            "LOG_LEVEL": "WARNING",
        }
        cases = [
            ("import_pypdf", [sys.executable, "-c", "import pypdf"], None),
            ("help", [DOCSENSE, "--help"], HELP_TARGET_S),
            ("status", [DOCSENSE, "status"], None),
            ("review_markdown_2_pages", [DOCSENSE, "review", str(markdown)], REVIEW_TARGET_S),
            ("review_docx_40kb", [DOCSENSE, "review", str(docx_path)], REVIEW_TARGET_S),
        ]
        _timed([DOCSENSE, "review", str(markdown)], env)  # warm-up: initdb, migrations
        for case, command, target in cases:
            runs = [_timed(command, env) for _ in range(args.repeat)]
            record = {
                "case": case,
                "median_s": round(statistics.median(runs), 3),
                "min_s": round(min(runs), 3),
                "max_s": round(max(runs), 3),
                "runs": args.repeat,
            }
            if case == "review_docx_40kb":
                record["bytes"] = docx_path.stat().st_size
            if target is not None:
                record["target_s"] = target
                record["met"] = record["median_s"] <= target
            print(json.dumps(record), flush=True)


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
