"""Review benchmark: how long the rules review takes on a generated 150+ page index
methodology (PDF and DOCX), and how many findings it gives.

Prints one JSON object per format: pages, words, findings by severity, checks that failed,
and the median wall time of `review_document` over `--repeat` runs on the ingested IR (ingest
itself is measured by ingest_bench.py). A review a person reads to the end has dozens of
findings, not hundreds.

Usage: .venv/bin/python tests/benchmarks/review_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain" / "ingest"))

from methodology_builder import build_methodology_docx, build_methodology_pdf

from domain.ingest import ingest
from domain.review import review_document


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    for name, build in (("pdf", build_methodology_pdf), ("docx", build_methodology_docx)):
        ir = ingest(build(), f"methodology.{name}", max_bytes=500 * 1024 * 1024)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = review_document(ir)
            times.append(time.perf_counter() - started)
        severities = Counter(finding.severity for finding in result.findings)
        print(
            json.dumps(
                {
                    "bench": f"review_methodology_{name}",
                    "pages": ir.pages,
                    "words": ir.words,
                    "findings": len(result.findings),
                    "by_severity": dict(severities),
                    "failed_checks": len(result.failures),
                    "review_s_median": round(statistics.median(times), 2),
                }
            )
        )


if __name__ == "__main__":
    main()
