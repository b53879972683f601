"""Regenerate the rule table in docs/review-engine.md from checklist.toml (`make docs`).

The table is generated so the documentation cannot drift from the rules the engine runs; a
test fails when the committed page differs from what this module would write.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from domain.review.checklist import CHECKLIST_VERSION, RULES
from domain.review.rules import Rule

DOC = Path(__file__).resolve().parents[2] / "docs" / "review-engine.md"
START = "<!-- checklist:start -->"
END = "<!-- checklist:end -->"
_HEADING = re.compile(r"^## Checklist \(version [^)\n]*\)$", re.MULTILINE)
_REGION = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.DOTALL)


def table(rules: tuple[Rule, ...]) -> str:
    rows = [
        "| id | rule | area | scope | severity | category | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        source = rule.source.replace("|", r"\|")
        rows.append(
            f"| {rule.id} | `{rule.name}` | {rule.area} | {rule.scope} | {rule.severity} "
            f"| {rule.category} | {source} |"
        )
    return "\n".join(rows)


def render(doc: str, version: str = CHECKLIST_VERSION, rules: tuple[Rule, ...] = RULES) -> str:
    """The page with its checklist heading and table regenerated; everything else kept."""
    if len(_HEADING.findall(doc)) != 1 or len(_REGION.findall(doc)) != 1:
        raise ValueError(f"expected one checklist heading and one {START} ... {END} region")
    heading = f"## Checklist (version {version}, {len(rules)} rules)"
    doc = _HEADING.sub(lambda _: heading, doc)
    return _REGION.sub(lambda _: f"{START}\n{table(rules)}\n{END}", doc)


def main() -> None:
    current = DOC.read_text(encoding="utf-8")
    updated = render(current)
    if updated != current:
        DOC.write_text(updated, encoding="utf-8")
    state = "updated" if updated != current else "up to date"
    print(f"{DOC.name}: {state} (checklist {CHECKLIST_VERSION})", file=sys.stderr)


if __name__ == "__main__":
    main()
