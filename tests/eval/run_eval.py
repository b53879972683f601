"""Measure the rules review against the sample documents' answer keys (`make eval`).

A finding matches an answer-key issue when its quote overlaps the issue's original_text
(after normalising case, punctuation and whitespace: one contains the other, or they share a
run of at least 60% of the shorter text's words, and at least three) and, when the issue's
location names a section ("Section 2 - Stock Selection"), the finding is in that section (same
number, or same title). An issue with an empty original_text matches an absence finding of the
same category, or a finding of the same category in the named section. A finding that matches
no issue is a false alarm. docs/review-engine.md records the results.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from domain.findings import Finding  # noqa: E402
from domain.ingest import ingest  # noqa: E402
from domain.ir import DocumentIR  # noqa: E402
from domain.review import review_rules  # noqa: E402
from domain.review.text import is_verbatim  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "docsense-testdocs"
CLEAN_DOCUMENT = "doc_01_clean"
TARGET_RECALL = 0.60
_NON_WORD = re.compile(r"[^\w%$]+")
_LOCATION = re.compile(r"^\s*section\s+(?P<number>[\d.]+)\s*(?:[-–:]\s*(?P<title>.+))?$", re.I)


def words(text: str) -> list[str]:
    return _NON_WORD.sub(" ", text.lower()).split()


def overlaps(quote: str, original: str) -> bool:
    a, b = words(quote), words(original)
    if not a or not b:
        return False
    joined_a, joined_b = " ".join(a), " ".join(b)
    if joined_a in joined_b or joined_b in joined_a:
        return True
    run = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return run.size >= max(3, 0.6 * min(len(a), len(b)))


def in_section(finding: Finding, location: str) -> bool:
    named = _LOCATION.match(location)
    if named is None:
        return True
    if finding.evidence is None:
        return False
    label = finding.evidence.section
    number = named.group("number").rstrip(".")
    if label.split(" ", 1)[0].rstrip(".") == number:
        return True
    title = named.group("title")
    return bool(title) and words(title) == words(label)[-len(words(title)) :]


def matches(finding: Finding, issue: dict) -> bool:
    location = issue.get("location") or ""
    original = issue.get("original_text") or ""
    if not original.strip():
        if finding.category != issue.get("category"):
            return False
        return finding.evidence is None or (
            _LOCATION.match(location) is not None and in_section(finding, location)
        )
    return (
        finding.evidence is not None
        and overlaps(finding.evidence.quote, original)
        and in_section(finding, location)
    )


@dataclass
class Result:
    name: str
    issues: list[dict]
    findings: list[Finding]
    ir: DocumentIR
    matched: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    false_alarms: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        used: set[str] = set()
        for issue in self.issues:
            hits = [f for f in self.findings if matches(f, issue)]
            (self.matched if hits else self.unmatched).append(issue)
            used.update(f.id for f in hits)
        self.false_alarms = [f for f in self.findings if f.id not in used]

    def verbatim(self) -> tuple[int, int]:
        quoted = [f for f in self.findings if f.evidence is not None]
        good = sum(1 for f in quoted if _is_grounded(f, self.ir))
        return good, len(quoted)


def _is_grounded(finding: Finding, ir: DocumentIR) -> bool:
    assert finding.evidence is not None
    sections = [s for s in ir.sections if s.label == finding.evidence.section]
    return any(is_verbatim(finding.evidence.quote, s.text) for s in sections) and is_verbatim(
        finding.evidence.quote, ir.text
    )


def review(path: Path) -> tuple[DocumentIR, list[Finding]]:
    ir = ingest(path.read_bytes(), path.name, max_bytes=50 * 1024 * 1024)
    return ir, review_rules(ir)


def _issue_line(issue: dict) -> str:
    quote = (issue.get("original_text") or "").strip().replace("\n", " ")
    where = issue.get("location") or "?"
    return f"[{issue['severity']}] {issue['title']} ({where}; '{quote[:70]}')"


def main() -> int:
    corpus = Path(os.environ.get("DOCSENSE_EVAL_CORPUS") or DEFAULT_CORPUS)
    if not corpus.is_dir():
        print(f"Evaluation corpus not found at {corpus}; set DOCSENSE_EVAL_CORPUS. Skipping.")
        return 0
    results: list[Result] = []
    for key_path in sorted(corpus.glob("doc_*.json")):
        documents = [p for p in corpus.glob(f"{key_path.stem}.*") if p.suffix != ".json"]
        if not documents:
            continue
        ir, findings = review(documents[0])
        key = json.loads(key_path.read_text(encoding="utf-8"))
        results.append(Result(key_path.stem, key.get("issues", []), findings, ir))
    if not results:
        print(f"No answer keys (doc_*.json) in {corpus}. Skipping.")
        return 0

    for result in results:
        print(f"\n== {result.name}: {len(result.matched)}/{len(result.issues)} issues matched")
        for issue in result.matched:
            print(f"   matched    {_issue_line(issue)}")
        for issue in result.unmatched:
            print(f"   UNMATCHED  {_issue_line(issue)}")
        quoted = sum(1 for f in result.findings if f.evidence is not None)
        quoted_alarms = sum(1 for f in result.false_alarms if f.evidence is not None)
        print(
            f"   findings: {len(result.findings)} ({quoted} quoted, "
            f"{len(result.findings) - quoted} absence); false alarms: "
            f"{len(result.false_alarms)} ({quoted_alarms} quoted)"
        )

    for extra in sorted(corpus.glob("*.md")):
        if extra.name.lower() == "readme.md" or (corpus / f"{extra.stem}.json").exists():
            continue
        _, findings = review(extra)
        counts = {s: sum(1 for f in findings if f.severity == s) for s in ("critical", "high")}
        print(f"\n-- {extra.name} (no answer key): {len(findings)} findings, {counts}")

    total = sum(len(r.issues) for r in results)
    matched = sum(len(r.matched) for r in results)
    findings = sum(len(r.findings) for r in results)
    alarms = sum(len(r.false_alarms) for r in results)
    quoted_alarms = sum(1 for r in results for f in r.false_alarms if f.evidence is not None)
    good = sum(r.verbatim()[0] for r in results)
    quoted = sum(r.verbatim()[1] for r in results)
    clean = next((r for r in results if r.name == CLEAN_DOCUMENT), None)
    severe = sum(1 for f in clean.findings if f.severity in ("critical", "high")) if clean else None
    recall = matched / total if total else 1.0
    verbatim = good / quoted if quoted else 1.0

    print("\n== Overall")
    print(f"   recall: {matched}/{total} = {recall:.0%} (target >= {TARGET_RECALL:.0%})")
    print(
        f"   findings: {findings}; false alarms (match no listed issue): {alarms}, of which "
        f"{quoted_alarms} quoted and {alarms - quoted_alarms} absence findings"
    )
    print(f"   critical/high on {CLEAN_DOCUMENT}: {severe} (target 0)")
    print(f"   verbatim quotes: {good}/{quoted} = {verbatim:.0%} (target 100%)")
    passed = recall >= TARGET_RECALL and not severe and good == quoted
    print(f"   {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
