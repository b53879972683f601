"""Block Kit output: Slack's limits hold for any review, text is escaped, buttons carry ids."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from bot import slack_blocks as sb
from domain.answers import Answer, Citation
from domain.findings import SEVERITIES, Evidence, Finding
from domain.queries import AIUsage, DocumentRow, Stats
from eventstore import RecordedEvent

DOC_ID = "3f2b8c1e-0000-4000-8000-000000000001"


def _finding(n: int, severity: str = "high", **overrides: Any) -> dict[str, Any]:
    finding = {
        "id": f"f{n:04d}",
        "rule": "undefined-parameter",
        "category": "undefined_parameter",
        "severity": severity,
        "title": f"Finding {n}: the threshold has no value",
        "detail": "The document uses a threshold without saying what it is.",
        "suggestion": "State the threshold and its unit.",
        "evidence": {
            "quote": f"Signals above the threshold {n} are traded.",
            "section": "3 Signal",
            "page": 4,
        },
        "source": "rules",
    }
    return finding | overrides


def _first_finding(message: dict[str, Any]) -> str:
    finding = next(b for b in message["blocks"] if b.get("block_id", "").startswith("finding:"))
    return finding["text"]["text"]


def _payload(findings: list[dict[str, Any]], **document: Any) -> dict[str, Any]:
    counts = {s: sum(f["severity"] == s for f in findings) for s in SEVERITIES}
    return {
        "document": {
            "id": DOC_ID,
            "title": "Momentum Strategy",
            "filename": "momentum.pdf",
            "media_type": "pdf",
            "pages": 12,
            "sections": 9,
            "words": 4100,
            "sha256": "ab" * 32,
        }
        | document,
        "analysis": {
            "id": "a1",
            "providers": ["rules"],
            "duration_ms": 85,
            "score": 0.71,
            "counts": counts,
            "usage": {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0},
        },
        "findings": findings,
    }


def _texts(block: dict[str, Any]) -> list[str]:
    """Every mrkdwn/plain text inside a block."""
    found = []
    if "text" in block and isinstance(block["text"], dict):
        found.append(block["text"]["text"])
    for element in block.get("elements", []):
        if isinstance(element.get("text"), str):
            found.append(element["text"])
        elif isinstance(element.get("text"), dict):
            found.append(element["text"]["text"])
    return found


def _assert_within_limits(messages: list[dict[str, Any]]) -> None:
    for message in messages:
        assert message["text"], "every message needs fallback text"
        assert 1 <= len(message["blocks"]) <= sb.MAX_BLOCKS
        for block in message["blocks"]:
            if block["type"] in ("section", "context"):
                assert all(1 <= len(t) <= 3000 for t in _texts(block))
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
                assert block["text"]["type"] == "plain_text"
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    assert len(element["text"]["text"]) <= 75
                    assert len(element["value"]) <= 2000
                if element.get("type") == "static_select":
                    assert 1 <= len(element["options"]) <= 100
                    assert all(len(o["text"]["text"]) <= 75 for o in element["options"])
                    assert all(len(o["value"]) <= 150 for o in element["options"])
        ids = [b["block_id"] for b in message["blocks"] if "block_id" in b]
        assert len(ids) == len(set(ids)), "block ids must be unique within a message"


def _buttons(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Accept/Reject buttons."""
    return [
        element
        for message in messages
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] in (sb.ACCEPT_ACTION, sb.REJECT_ACTION)
    ]


def _tools(message: dict[str, Any]) -> dict[str, Any]:
    """The severity filter and the Export button, by action id."""
    [block] = [b for b in message["blocks"] if b.get("block_id") == sb.TOOLS_BLOCK]
    return {element["action_id"]: element for element in block["elements"]}


def _pagers(messages: list[dict[str, Any]]) -> list[str]:
    """The values of the "Show more" buttons."""
    return [
        element["value"]
        for message in messages
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == sb.PAGE_ACTION
    ]


def _absent(n: int, severity: str = "high") -> dict[str, Any]:
    return _finding(n, severity, title=f"Missing {n}: no kill switch", evidence=None)


def _finding_ids(message: dict[str, Any]) -> list[str]:
    return [
        b["block_id"].removeprefix("finding:")
        for b in message["blocks"]
        if b.get("block_id", "").startswith("finding:")
    ]


def test_summary_counts_and_most_important_findings_first() -> None:
    findings = [
        _finding(1, "critical"),
        _finding(2, "high"),
        *(_finding(n, "medium") for n in range(3, 12)),
    ]
    messages = sb.findings_messages(_payload(findings), shown=3)
    assert len(messages) == 1
    blocks = messages[0]["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Review: Momentum Strategy", "emoji": True},
    }
    summary = blocks[1]["text"]["text"]
    assert "0.71" in summary and ":red_circle: 1 critical" in summary and "9 medium" in summary
    shown = [b["block_id"] for b in blocks if b.get("block_id", "").startswith("finding:")]
    assert shown == ["finding:f0001", "finding:f0002", "finding:f0003"]
    assert blocks[2]["type"] == "context"
    assert blocks[2]["elements"][0]["text"].startswith("Reviewed by rules")
    first = next(b for b in blocks if b.get("block_id") == "finding:f0001")["text"]["text"]
    assert ">Signals above the threshold 1 are traded." in first
    assert "3 Signal, page 4" in first and "State the threshold" in first and "critical" in first
    rest = blocks[-3]["elements"][0]["text"]
    assert rest.startswith("*Show more* posts 8 more quoted (8 medium) here, 20 at a time")
    assert "*Export* uploads the whole review as a file" in rest
    assert _pagers(messages) == [f"{DOC_ID}|3"]
    tools = _tools(messages[0])
    assert blocks[-1]["block_id"] == sb.TOOLS_BLOCK
    assert tools[sb.EXPORT_ACTION]["value"] == DOC_ID
    options = tools[sb.FILTER_ACTION]["options"]
    assert [o["value"] for o in options] == [f"{DOC_ID}|0|{s}" for s in SEVERITIES]
    assert options[1]["text"]["text"] == "High and above"
    assert "1 critical" in messages[0]["text"]


def test_footer_shows_ai_cost_and_the_fallback_note() -> None:
    payload = _payload([_finding(1)])
    payload["analysis"] = {
        **payload["analysis"],
        "providers": ["rules", "anthropic"],
        "usage": {"input_tokens": 12000, "output_tokens": 800, "cost_usd": 0.0642},
        "note": "AI review unavailable: openai rate_limited; showing rules findings",
    }
    footer = sb.findings_messages(payload)[0]["blocks"][2]["elements"][0]["text"]
    assert "Reviewed by rules, anthropic" in footer
    assert "12,000 in / 800 out tokens, $0.0642" in footer
    assert "AI review unavailable: openai rate_limited; showing rules findings" in footer


def test_buttons_carry_document_and_finding_ids() -> None:
    messages = sb.findings_messages(_payload([_finding(1), _finding(2)]))
    buttons = _buttons(messages)
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("finding_accept", f"{DOC_ID}|f0001"),
        ("finding_reject", f"{DOC_ID}|f0001"),
        ("finding_accept", f"{DOC_ID}|f0002"),
        ("finding_reject", f"{DOC_ID}|f0002"),
    ]
    assert sb.parse_finding_value(buttons[1]["value"]) == (DOC_ID, "f0001")
    with pytest.raises(ValueError):
        sb.parse_finding_value("no-separator")


def test_decided_findings_show_who_decided_instead_of_buttons() -> None:
    payload = _payload([_finding(1), _finding(2)])
    messages = sb.findings_messages(payload, decisions={"f0001": ("rejected", "U123ABC")})
    blocks = messages[0]["blocks"]
    assert {
        "type": "context",
        "block_id": "decided:f0001",
        "elements": [{"type": "mrkdwn", "text": "❌ Rejected by <@U123ABC>"}],
    } in blocks
    assert [b["value"] for b in _buttons(messages)] == [f"{DOC_ID}|f0002"] * 2


def test_two_hundred_findings_split_within_slack_limits() -> None:
    findings = [
        _finding(
            n,
            SEVERITIES[n % 5],
            title="T" * 400,
            suggestion="Fix & <check> " * 300,
            evidence={"quote": "word " * 2000, "section": "S" * 300, "page": n},
        )
        for n in range(200)
    ]
    messages = sb.findings_messages(_payload(findings, title="X" * 400), shown=200)
    assert len(messages) >= 9  # 2 blocks a finding, 50 blocks a message
    _assert_within_limits(messages)
    assert len(_buttons(messages)) == 400
    for message in messages:  # a finding never loses its buttons to the next message
        blocks = message["blocks"]
        for index, block in enumerate(blocks):
            if block.get("block_id", "").startswith("finding:"):
                assert blocks[index + 1]["block_id"] == "decide:" + block["block_id"][8:]
    quote = _first_finding(messages[0])
    assert "…" in quote and len(quote) < 3000
    assert messages[1]["text"].endswith(f"(part 2 of {len(messages)})")


def test_document_text_is_escaped_and_entities_are_never_cut() -> None:
    evil = _finding(
        1,
        title="Use <!channel> & <https://x.example|click>",
        evidence={"quote": "if a > b & c < d", "section": "2 <Signal>", "page": 1},
    )
    messages = sb.findings_messages(_payload([evil], filename="a&b.md", title="R&D <draft>"))
    text = _first_finding(messages[0])
    assert "&lt;!channel&gt; &amp; &lt;https://x.example|click&gt;" in text
    assert "if a &gt; b &amp; c &lt; d" in text and "2 &lt;Signal&gt;" in text
    assert "<!channel>" not in json.dumps(messages)
    assert "a&amp;b.md" in messages[0]["blocks"][1]["text"]["text"]
    assert messages[0]["blocks"][0]["text"]["text"] == "Review: R&D <draft>"  # plain_text
    assert messages[0]["text"].startswith("Review of R&amp;D &lt;draft&gt;")
    long = sb.answer_message(Answer(text="&" * 5000, citations=[]))
    answer = long["blocks"][0]["text"]["text"]
    assert len(answer) <= 3000 and answer.endswith("&amp;…")


def test_no_findings_says_so() -> None:
    messages = sb.findings_messages(_payload([]))
    assert "No findings" in json.dumps(messages)
    assert _buttons(messages) == [] and _pagers(messages) == []


def test_absences_are_one_not_covered_list_after_the_quoted_findings() -> None:
    findings = [_absent(1, "critical"), _finding(2, "high"), _absent(3, "medium"), _finding(4)]
    [message] = sb.findings_messages(_payload(findings))
    blocks = message["blocks"]
    assert _finding_ids(message) == ["f0002", "f0004"]
    assert "(2 not covered)" in blocks[1]["text"]["text"]
    [listed] = [b for b in blocks if "*Not covered*" in json.dumps(b)]
    last_quoted = max(i for i, b in enumerate(blocks) if b.get("block_id") == "decide:f0004")
    assert blocks.index(listed) > last_quoted
    assert listed["text"]["text"] == (
        ":mag: *Not covered* (2)\n"
        ":red_circle: Missing 1: no kill switch  `critical`\n"
        ":large_yellow_circle: Missing 3: no kill switch  `medium`"
    )
    assert {b["value"] for b in _buttons([message])} == {f"{DOC_ID}|f0002", f"{DOC_ID}|f0004"}
    # every quoted finding is shown, so Show all starts at the absences, for Accept/Reject
    assert _pagers([message]) == [f"{DOC_ID}|2"]
    assert "the 2 not covered in detail" in blocks[-3]["elements"][0]["text"]


def test_a_short_review_has_no_show_more_but_keeps_the_filter_and_export() -> None:
    [message] = sb.findings_messages(_payload([_finding(n) for n in range(5)]))
    assert _pagers([message]) == [] and "pager" not in json.dumps(message)
    assert _finding_ids(message) == [f"f{n:04d}" for n in range(5)]
    assert set(_tools(message)) == {sb.FILTER_ACTION, sb.EXPORT_ACTION}


def test_show_all_pages_through_quoted_then_absent_within_slack_limits() -> None:
    findings = [
        _finding(
            n,
            SEVERITIES[n * 5 // 45],
            title="T" * 400,
            suggestion="Fix & <check> " * 300,
            evidence={"quote": "word " * 2000, "section": "S" * 300, "page": n},
        )
        for n in range(45)
    ] + [_absent(n, "low") for n in range(45, 50)]
    payload = _payload(findings, title="X" * 400)
    first = sb.findings_messages(payload, shown=6)
    _assert_within_limits(first)
    assert len(first) == 1 and _finding_ids(first[0]) == [f"f{n:04d}" for n in range(6)]
    assert _pagers(first) == [f"{DOC_ID}|6"]

    page = sb.findings_page_message(payload, 6, decisions={"f0007": ("accepted", "U5")})
    assert page is not None
    _assert_within_limits([page])
    assert _finding_ids(page) == [f"f{n:04d}" for n in range(6, 26)]
    assert "findings 7–26 of 50" in page["blocks"][0]["elements"][0]["text"]
    assert "✅ Accepted by <@U5>" in json.dumps(page, ensure_ascii=False)
    assert f"{DOC_ID}|f0007" not in [b["value"] for b in _buttons([page])]
    assert _pagers([page]) == [f"{DOC_ID}|26"]
    assert page["blocks"][-1]["elements"][0]["text"]["text"] == "Show more (20 of 24 left)"

    last = sb.findings_page_message(payload, 40)
    assert last is not None
    _assert_within_limits([last])
    assert _finding_ids(last) == [f"f{n:04d}" for n in range(40, 50)]
    heading = next(i for i, b in enumerate(last["blocks"]) if "*Not covered*" in json.dumps(b))
    assert last["blocks"][heading + 1]["block_id"] == "finding:f0045"
    assert "Missing from the whole document" in _first_finding(
        {"blocks": [last["blocks"][heading + 1]]}
    )
    assert len(_buttons([last])) == 20 and _pagers([last]) == []
    assert sb.findings_page_message(payload, 50) is None


def test_page_button_value_round_trips_and_rejects_others() -> None:
    assert sb.parse_page_value(sb.page_value(DOC_ID, 26)) == (DOC_ID, 26, None)
    assert sb.parse_page_value(sb.page_value(DOC_ID, 20, "high")) == (DOC_ID, 20, "high")
    assert sb.parse_page_value(f"{DOC_ID}|26") == (DOC_ID, 26, None), "buttons posted before"
    for bad in ("no-separator", f"{DOC_ID}|f0001", f"{DOC_ID}|-1", "|3", f"{DOC_ID}|0|severe"):
        with pytest.raises(ValueError):
            sb.parse_page_value(bad)


def test_a_severity_filter_pages_through_that_severity_and_worse_only() -> None:
    findings = [_finding(n, SEVERITIES[n % 5]) for n in range(60)] + [_absent(60, "critical")]
    payload = _payload(findings)
    first = sb.findings_page_message(payload, 0, min_severity="high")
    assert first is not None
    _assert_within_limits([first])
    worst = [f["id"] for f in findings if f["severity"] in ("critical", "high")]
    assert len(worst) == 25
    quoted = [i for i in worst if i != "f0060"]
    assert _finding_ids(first) == quoted[:20]
    assert "high and above: findings 1–20 of 25" in first["blocks"][0]["elements"][0]["text"]
    assert _pagers([first]) == [f"{DOC_ID}|20|high"]
    last = sb.findings_page_message(payload, 20, min_severity="high")
    assert last is not None and _finding_ids(last) == [*quoted[20:], "f0060"]
    assert _pagers([last]) == []
    assert sb.findings_page_message(payload, 25, min_severity="high") is None
    nothing = sb.findings_page_message(_payload([_finding(1, "low")]), 0, min_severity="critical")
    assert nothing is not None and _finding_ids(nothing) == []
    assert "no findings at critical severity or worse" in nothing["text"]


def test_pager_update_replaces_only_the_button() -> None:
    findings = [_finding(n) for n in range(10)]
    blocks = sb.findings_messages(_payload(findings))[0]["blocks"]
    updated = sb.pager_update(blocks, "U9")
    assert len(updated) == len(blocks)
    assert updated[-2] == {
        "type": "context",
        "block_id": "pager",
        "elements": [{"type": "mrkdwn", "text": ":arrow_down: Posted below for <@U9>"}],
    }
    assert updated[:-2] == blocks[:-2] and updated[-1] == blocks[-1], "the filter stays"
    assert _pagers([{"blocks": updated}]) == []


def test_decision_update_replaces_only_that_findings_buttons() -> None:
    blocks = sb.findings_messages(_payload([_finding(1), _finding(2)]))[0]["blocks"]
    updated = sb.decision_update(blocks, "f0002", "accepted", "U9")
    assert len(updated) == len(blocks)
    assert {
        "type": "context",
        "block_id": "decided:f0002",
        "elements": [{"type": "mrkdwn", "text": "✅ Accepted by <@U9>"}],
    } in updated
    assert [b["value"] for b in _buttons([{"blocks": updated}])] == [f"{DOC_ID}|f0001"] * 2
    assert "decide:f0002" in [b.get("block_id") for b in blocks], "input left untouched"
    changed = sb.decision_update(updated, "f0002", "rejected", "U7")
    assert "❌ Rejected by <@U7>" in json.dumps(changed, ensure_ascii=False)
    with pytest.raises(ValueError):
        sb.decision_update(blocks, "f0001", "maybe", "U9")


def test_reject_reason_modal_carries_ids_and_optional_reason() -> None:
    view = sb.reject_reason_modal(DOC_ID, "f0001", "C42", "1700000000.000100")
    assert view["type"] == "modal" and view["callback_id"] == "reject_reason"
    assert json.loads(view["private_metadata"]) == {
        "document_id": DOC_ID,
        "finding_id": "f0001",
        "channel_id": "C42",
        "message_ts": "1700000000.000100",
    }
    (block,) = view["blocks"]
    assert block["type"] == "input" and block["optional"] is True
    assert block["element"]["type"] == "plain_text_input"
    assert (block["block_id"], block["element"]["action_id"]) == (sb.REASON_BLOCK, sb.REASON_ACTION)
    assert all(len(view[k]["text"]) <= 24 for k in ("title", "submit", "close"))


def _model(n: int, severity: str = "high") -> Finding:
    data = _finding(n, severity)
    return Finding(**(data | {"evidence": Evidence(**data["evidence"])}))


def test_version_diff_lists_resolved_new_and_persisting() -> None:
    messages = sb.version_diff_messages(
        _payload([_finding(4)]),
        resolved=[_model(1), _model(2), _model(3)],
        new=[_model(4, "critical")],
        persisting=[_model(n) for n in range(5, 12)],
        version=2,
    )
    assert len(messages) == 1
    dumped = json.dumps(messages, ensure_ascii=False)
    assert messages[0]["blocks"][0]["text"]["text"] == "Version 2 of Momentum Strategy"
    assert "3 resolved, 1 new, 7 persisting" in dumped
    assert "~Finding 1: the threshold has no value~" in dumped
    assert [b["value"] for b in _buttons(messages)] == [f"{DOC_ID}|f0004"] * 2
    assert "Finding 11" in dumped
    assert _pagers(messages) == [f"{DOC_ID}|0"]  # the whole review of this version
    _assert_within_limits(messages)


def test_version_diff_lists_new_absences_as_not_covered_without_buttons() -> None:
    absent = Finding(**_absent(5))
    messages = sb.version_diff_messages(
        _payload([_finding(4), _absent(5)]), resolved=[], new=[_model(4), absent], persisting=[]
    )
    dumped = json.dumps(messages)
    assert ":mag: *Not covered* (1)" in dumped and "Missing 5: no kill switch" in dumped
    assert "finding:f0005" not in dumped
    assert [b["value"] for b in _buttons(messages)] == [f"{DOC_ID}|f0004"] * 2


def test_version_diff_with_many_resolved_stays_within_limits() -> None:
    messages = sb.version_diff_messages(
        _payload([]), resolved=[_model(n) for n in range(300)], new=[], persisting=[]
    )
    _assert_within_limits(messages)
    assert "New version of Momentum Strategy" in messages[0]["text"]


def test_answer_message_quotes_citations_with_section_and_page() -> None:
    answer = Answer(
        text="Section 5 Risk Management says: “A position is closed when it falls 15%.”",
        citations=[
            Citation(
                quote="A position is closed when it falls 15% below <entry>.",
                section="5 Risk Management",
                page=7,
            ),
            Citation(quote="Sector exposure may not exceed 25%.", section="Appendix", page=None),
        ],
    )
    message = sb.answer_message(answer)
    assert message["blocks"][0]["text"]["text"].startswith("Section 5 Risk Management says:")
    assert message["blocks"][1]["text"]["text"] == (
        ">A position is closed when it falls 15% below &lt;entry&gt;.\n>— _5 Risk Management, "
        "page 7_"
    )
    assert message["blocks"][2]["text"]["text"].endswith("— _Appendix_")


def test_refusal_failure_and_reviewing_replies() -> None:
    assert ":eyes:" in sb.reviewing_message("a<b>.pdf")["blocks"][0]["text"]["text"]
    assert "a&lt;b&gt;.pdf" in sb.reviewing_message("a<b>.pdf")["blocks"][0]["text"]["text"]
    refusal = sb.refusal_message("“x.pdf” is encrypted & cannot be read.")
    assert refusal["blocks"][0]["text"]["text"] == ":x: “x.pdf” is encrypted &amp; cannot be read."
    failure = sb.failure_message("provider timed out")
    assert "provider timed out" in failure["blocks"][0]["text"]["text"]


def _row(n: int, **overrides: Any) -> DocumentRow:
    fields = dict(
        id=uuid.UUID(int=n),
        filename=f"doc{n}.pdf",
        title=f"Doc {n}",
        state="analyzed",
        file_versions=1,
        pages=3,
        words=900,
        score=0.5,
        counts={"critical": 1, "high": 2, "medium": 0, "low": 0, "info": 0},
        open_findings=3,
        reject_message=None,
        updated_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
    )
    return DocumentRow(**(fields | overrides))


def test_status_lists_documents_and_fits_one_message() -> None:
    message = sb.status_message([_row(n) for n in range(400)])
    _assert_within_limits([message])
    text = json.dumps(message)
    assert "doc0.pdf" in text and "00000000" in text and "2025-01-02 03:04" in text
    assert "No documents yet" in sb.status_message([])["text"]
    rejected = sb.status_message(
        [_row(1, state="rejected", score=None, reject_message="“doc1.pdf” is encrypted.")]
    )
    assert "is encrypted" in json.dumps(rejected, ensure_ascii=False)


def test_document_status_shows_each_finding_and_who_decided() -> None:
    findings = [
        {
            "finding_id": "f1",
            "severity": "critical",
            "title": "No kill switch",
            "status": "open",
            "section": None,
            "page": None,
            "decided_by": None,
        },
        {
            "finding_id": "f2",
            "severity": "high",
            "title": "Undefined threshold",
            "status": "accepted",
            "section": "3 Signal",
            "page": 4,
            "decided_by": "U55",
        },
    ]
    message = sb.document_status_message(_row(1), findings)
    text = json.dumps(message, ensure_ascii=False)
    assert "No kill switch" in text and "3 Signal, page 4" in text
    assert "accepted by <@U55>" in text


def test_history_mirrors_the_event_log() -> None:
    def event(version: int, kind: str, data: dict[str, Any], actor: str) -> RecordedEvent:
        return RecordedEvent(
            position=version,
            stream_id="document-x",
            stream_type="document",
            version=version,
            event_id=uuid.uuid4(),
            type=kind,
            data=data,
            metadata={"actor": actor},
            recorded_at=datetime(2025, 1, 2, 3, 4, version, tzinfo=UTC),
        )

    events = [
        event(
            1,
            "DocumentSubmitted",
            {"filename": "a.pdf", "size": 2048, "file_key": "slack:F1"},
            "U1",
        ),
        event(
            2,
            "DocumentConverted",
            {"pages": 3, "sections": 4, "words": 900, "sha256": "ab" * 32},
            "docsense",
        ),
        event(3, "FindingRejected", {"finding_id": "f1", "reason": "see <appendix>"}, "U2"),
    ]
    message = sb.history_message("a.pdf", events)
    text = "\n".join(t for b in message["blocks"] for t in _texts(b))
    assert (
        text.index("DocumentSubmitted")
        < text.index("DocumentConverted")
        < text.index("FindingRejected")
    )
    assert "by <@U1>" in text and "by docsense" in text
    assert "3 pages, 4 sections, 900 words" in text and "see &lt;appendix&gt;" in text
    assert "2025-01-02 03:04:01" in text


def test_stats_gives_acceptance_rate() -> None:
    text = sb.stats_message(12, 40, 9, 3)["blocks"][1]["text"]["text"]
    assert "*75%* of decided findings accepted" in text and "28 open" in text
    assert "No findings decided yet" in sb.stats_message(1, 5, 0, 0)["blocks"][1]["text"]["text"]
    costly = sb.stats_message(2, 5, 1, 0, questions=7, cost_usd=1.234)["blocks"][1]["text"]["text"]
    assert "7 questions answered · AI cost $1.23" in costly


def test_help_and_unknown_command() -> None:
    help_text = json.dumps(sb.help_message())
    for command in ("status", "history", "reanalyze", "export", "stats"):
        assert f"/docsense {command}" in help_text
    unknown = sb.unknown_command_message("frobnicate <@U1>")
    first = unknown["blocks"][0]["text"]["text"]
    assert "frobnicate &lt;@U1&gt;" in first
    assert "/docsense export" in json.dumps(unknown)


def test_the_home_tab_lists_twenty_documents_with_links_within_the_view_limits() -> None:
    channels = {"C1": "#trading", "D1": "a direct message"}
    rows = [_row(n, channel_id="C1", thread_ts=f"17000000{n:02d}.000100") for n in range(30)]
    rows[0] = _row(0, filename="a|b<c>.md", channel_id="D1", thread_ts="1.2")
    rows[2] = _row(2, filename="p|q.md", channel_id="C1", thread_ts="1.3")
    links = {row.id: f"https://x.slack.com/archives/{row.channel_id}/p1" for row in rows[1:]}
    stats = Stats(documents=30, findings=90, accepted=4, rejected=2, questions=0, cost_usd=0)
    usage = AIUsage(reviews=3, answers=5, input_tokens=12_000, output_tokens=800, cost_usd=1.5)
    since = datetime(2026, 12, 1, tzinfo=UTC)
    view = sb.home_view(
        "U1", rows, channels=channels, links=links, stats=stats, usage=usage, since=since
    )
    assert view["type"] == "home" and len(view["blocks"]) <= sb.MAX_HOME_BLOCKS
    _assert_within_limits([{"text": "home", "blocks": view["blocks"]}])
    text = json.dumps(view, ensure_ascii=False)
    assert "doc19.pdf" in text and "doc20.pdf" not in text, "the 20 newest"
    assert "<https://x.slack.com/archives/C1/p1|doc1.pdf>" in text and "in <#C1>" in text
    assert "*a|b&lt;c&gt;.md* in a direct message" in text, "no link without one, DMs in words"
    assert "|p¦q.md>" in text, "a | in a linked name would end the link"
    assert "✅ 4 accepted · ❌ 2 rejected · 84 open" in text
    assert (
        "since 01 December, UTC): 3 reviews and 5 answers, 12,000 in / 800 out tokens, *$1.50*"
        in text
    )
    bare = sb.home_view("U1", [], channels={}, links={}, stats=None, notice="Ask an admin.")
    assert "Ask an admin." in json.dumps(bare) and "No documents yet" not in json.dumps(bare)
    assert "AI this month" not in json.dumps(bare)


def test_the_assistant_greeting_offers_at_most_a_hundred_documents_and_four_prompts() -> None:
    channels = {"C1": "#" + "t" * 80}
    rows = [_row(n, channel_id="C1") for n in range(150)]
    greeting = sb.assistant_greeting(rows, channels)
    _assert_within_limits([greeting])
    [menu] = [b for b in greeting["blocks"] if b.get("block_id") == sb.PICK_BLOCK]
    options = menu["elements"][0]["options"]
    assert len(options) == 100 and options[0]["value"] == str(uuid.UUID(int=0))
    assert options[0]["text"]["text"].startswith("doc0.pdf · #ttt")
    prompts = sb.assistant_prompts(rows)
    assert len(prompts) == 4 and prompts[0]["message"] == "Open doc0.pdf (00000000)"
    empty = sb.assistant_greeting([], channels)
    assert sb.PICK_BLOCK not in json.dumps(empty) and "No reviewed documents" in json.dumps(empty)
    discussing = sb.discussing_message(_row(7, channel_id="C1"), {"C1": "#desk"})
    assert "Now discussing *doc7.pdf* from <#C1> (3 findings, 3 open, score 0.50)" in discussing[
        "text"
    ] + json.dumps(discussing)
