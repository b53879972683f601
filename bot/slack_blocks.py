"""Block Kit messages the Slack app posts (docs/architecture.md, Slack); pure functions, no I/O.

Every builder keeps within Slack's limits (50 blocks a message, 3,000 characters a
section, 150 a header, 75 a button label, 2,000 a button value) because Slack rejects
the whole message otherwise, and a review nobody sees is worse than a shortened one.
Long output is split into several messages instead. Text from documents and users is
escaped (`&`, `<`, `>`) so a quote cannot turn into a mention or a link.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from bot.terminal import event_details
from domain.answers import Answer
from domain.findings import SEVERITIES, Finding
from domain.queries import AIUsage, DocumentRow, Stats
from domain.report import quoted_and_absent, select
from domain.severity import Severity
from eventstore import RecordedEvent

Message = dict[str, Any]
Block = dict[str, Any]

ACCEPT_ACTION = "finding_accept"
REJECT_ACTION = "finding_reject"
PAGE_ACTION = "findings_page"
PAGER_BLOCK = "pager"
FILTER_ACTION = "findings_filter"
EXPORT_ACTION = "findings_export"
TOOLS_BLOCK = "review_tools"
REJECT_CALLBACK = "reject_reason"
PICK_ACTION = "assistant_pick"
PICK_BLOCK = "assistant_pick"
HOME_DOCUMENTS = 20
REASON_BLOCK = "reason"
REASON_ACTION = "reason_input"

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SELECT_OPTIONS = 100
MAX_PROMPTS = 4
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_CHARS = 3000
MAX_OPTION_TEXT = 75
_MAX_QUOTE_CHARS = 500
_MAX_PROSE_CHARS = 900
PAGE_SIZE = 20  # 2 blocks a finding, plus a heading, "Not covered" and the pager: < 50

SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "low": ":large_blue_circle:",
    "info": ":white_circle:",
}
_DECISION_LINES: dict[str, str] = {"accepted": "✅ Accepted by", "rejected": "❌ Rejected by"}
# The severity filter's choices: each shows that severity and everything worse.
SEVERITY_FILTERS: dict[Severity, str] = {
    "critical": "Critical only",
    "high": "High and above",
    "medium": "Medium and above",
    "low": "Low and above",
    "info": "Every severity",
}
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]+$")

COMMANDS = (
    ("help", "this message"),
    ("status [doc]", "documents reviewed in this channel, or one document's findings"),
    ("history <doc>", "everything that happened to a document, in order"),
    ("reanalyze <doc>", "review the document again with the current checklist"),
    ("export <doc>", "upload the full review as a Markdown report"),
    ("stats", "documents, findings and how many were accepted"),
)


def escape(text: str) -> str:
    """Slack's three control characters as entities; nothing else is encoded."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """Whitespace collapsed and cut at a word boundary with an ellipsis when too long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _fit(mrkdwn: str, limit: int = MAX_SECTION_CHARS) -> str:
    """Escaped text cut to `limit` without splitting an entity such as `&amp;`."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: limit - 1]
    ampersand = cut.rfind("&", len(cut) - 5)
    if ampersand != -1 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    return cut + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def _section(mrkdwn: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": _fit(mrkdwn)}}
    if block_id:
        block["block_id"] = block_id
    return block


def _header(text: str) -> Block:
    return {"type": "header", "text": _plain(text, MAX_HEADER_CHARS)}


def _context(mrkdwn: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(mrkdwn)}]}
    if block_id:
        block["block_id"] = block_id
    return block


def _divider() -> Block:
    return {"type": "divider"}


def _message(fallback: str, blocks: list[Block]) -> Message:
    """`text` is what notifications and screen readers show in place of the blocks."""
    return {"text": escape(shorten(fallback, MAX_FALLBACK_CHARS)), "blocks": blocks}


def _paginate(fallback: str, groups: Iterable[list[Block]]) -> list[Message]:
    """Groups of blocks (a finding and its buttons stay together) into messages ≤ 50 blocks."""
    pages: list[list[Block]] = [[]]
    for group in groups:
        if pages[-1] and len(pages[-1]) + len(group) > MAX_BLOCKS:
            pages.append([])
        pages[-1].extend(group)
    if len(pages) == 1:
        return [_message(fallback, pages[0])]
    return [
        _message(fallback if number == 1 else f"{fallback} (part {number} of {len(pages)})", page)
        for number, page in enumerate(pages, start=1)
    ]


def _line_sections(lines: Sequence[str]) -> list[Block]:
    """Lines of mrkdwn packed into as few sections as the 3,000-character limit allows."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        line = _fit(line)
        if current and len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            blocks.append(_section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(_section(current))
    return blocks


def _user(actor: str) -> str:
    """A Slack user id as a mention; any other actor (the CLI, the bot) as plain text."""
    return f"<@{actor}>" if _SLACK_USER.match(actor) else escape(actor)


def _counts(counts: Mapping[str, int]) -> str:
    return "   ".join(f"{SEVERITY_EMOJI[s]} {counts.get(s, 0)} {s}" for s in SEVERITIES)


def _where(section: str | None, page: int | None) -> str:
    where = escape(section or "")
    if page is not None:
        where = f"{where}, page {page}" if where else f"page {page}"
    return where


def _quote(quote: str, section: str | None, page: int | None) -> str:
    where = _where(section, page)
    text = f">{escape(shorten(quote, _MAX_QUOTE_CHARS))}"
    return f"{text}\n>— _{where}_" if where else text


def finding_value(document_id: str, finding_id: str) -> str:
    """What the Accept/Reject buttons carry; `parse_finding_value` reads it back."""
    value = f"{document_id}|{finding_id}"
    if len(value) > MAX_BUTTON_VALUE:
        raise ValueError("document and finding ids are too long for a button value")
    return value


def parse_finding_value(value: str) -> tuple[str, str]:
    document_id, separator, finding_id = value.partition("|")
    if not separator or not document_id or not finding_id:
        raise ValueError(f"not a finding button value: {value!r}")
    return document_id, finding_id


def page_value(document_id: str, offset: int, min_severity: Severity | None = None) -> str:
    """What "Show more" and the severity filter carry: where the next page starts in the
    review's `review_order` (of the findings at `min_severity` or worse, when filtered),
    never the findings themselves (the click loads the latest review)."""
    value = f"{document_id}|{offset}"
    return f"{value}|{min_severity}" if min_severity else value


def parse_page_value(value: str) -> tuple[str, int, Severity | None]:
    document_id, separator, rest = value.partition("|")
    offset, _, severity = rest.partition("|")
    if not separator or not document_id or not offset.isdigit():
        raise ValueError(f"not a page button value: {value!r}")
    if severity and severity not in SEVERITY_FILTERS:
        raise ValueError(f"not a severity: {severity!r}")
    return document_id, int(offset), severity or None  # type: ignore[return-value]


def review_order(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The order findings are shown and paged in: quoted (most severe first), then the
    ones about something missing."""
    quoted, absent = quoted_and_absent(findings)
    return [*quoted, *absent]


def _pager(
    document_id: str, offset: int, label: str, min_severity: Severity | None = None
) -> Block:
    return {
        "type": "actions",
        "block_id": PAGER_BLOCK,
        "elements": [
            {
                "type": "button",
                "action_id": PAGE_ACTION,
                "text": _plain(label, MAX_BUTTON_TEXT),
                "value": page_value(document_id, offset, min_severity),
            }
        ],
    }


def _tools(document_id: str) -> Block:
    """The severity filter (each choice posts that severity and worse in the thread) and
    Export (the whole review as a Markdown file in the thread)."""
    return {
        "type": "actions",
        "block_id": TOOLS_BLOCK,
        "elements": [
            {
                "type": "static_select",
                "action_id": FILTER_ACTION,
                "placeholder": _plain("Filter by severity", MAX_OPTION_TEXT),
                "options": [
                    {
                        "text": _plain(label, MAX_OPTION_TEXT),
                        "value": page_value(document_id, 0, severity),
                    }
                    for severity, label in SEVERITY_FILTERS.items()
                ],
            },
            {
                "type": "button",
                "action_id": EXPORT_ACTION,
                "text": _plain("Export", MAX_BUTTON_TEXT),
                "value": document_id,
            },
        ],
    }


def pager_update(blocks: list[dict[str, Any]], user_id: str) -> list[dict[str, Any]]:
    """The clicked message's blocks with its pager replaced by who asked for the next
    page, so the button cannot be pressed again."""
    done = _context(f":arrow_down: Posted below for {_user(user_id)}", block_id=PAGER_BLOCK)
    return [done if block.get("block_id") == PAGER_BLOCK else block for block in blocks]


def _not_covered(findings: Sequence[Mapping[str, Any]]) -> list[list[Block]]:
    """Absence findings as one list, a line each; one group per section so pagination
    may split a long list between messages."""
    lines = [f":mag: *Not covered* ({len(findings)})"]
    lines += [
        f"{SEVERITY_EMOJI.get(f['severity'], '')} {escape(shorten(f['title'], 200))}  "
        f"`{f['severity']}`"
        for f in findings
    ]
    return [[section] for section in _line_sections(lines)]


def _buttons(document_id: str, finding_id: str) -> Block:
    value = finding_value(document_id, finding_id)
    return {
        "type": "actions",
        "block_id": f"decide:{finding_id}",
        "elements": [
            {
                "type": "button",
                "action_id": ACCEPT_ACTION,
                "text": _plain("Accept", MAX_BUTTON_TEXT),
                "style": "primary",
                "value": value,
            },
            {
                "type": "button",
                "action_id": REJECT_ACTION,
                "text": _plain("Reject", MAX_BUTTON_TEXT),
                "style": "danger",
                "value": value,
            },
        ],
    }


def _decided(finding_id: str, decision: str, user_id: str) -> Block:
    try:
        line = _DECISION_LINES[decision]
    except KeyError:
        raise ValueError(f"decision must be accepted or rejected, not {decision!r}") from None
    return _context(f"{line} {_user(user_id)}", block_id=f"decided:{finding_id}")


def _finding_blocks(
    finding: Mapping[str, Any], document_id: str, decision: tuple[str, str] | None
) -> list[Block]:
    severity = finding["severity"]
    lines = [
        f"{SEVERITY_EMOJI.get(severity, '')} *{escape(shorten(finding['title'], 200))}*  "
        f"`{severity}`"
    ]
    evidence = finding.get("evidence")
    if evidence:
        lines.append(_quote(evidence["quote"], evidence.get("section"), evidence.get("page")))
    else:
        lines.append("_Missing from the whole document._")
    lines.append(f":bulb: {escape(shorten(finding['suggestion'], _MAX_PROSE_CHARS))}")
    section = _section("\n".join(lines), block_id=f"finding:{finding['id']}")
    if decision:
        return [section, _decided(finding["id"], decision[0], decision[1])]
    return [section, _buttons(document_id, finding["id"])]


def _pager_line(rest: Sequence[Mapping[str, Any]], absent: int) -> str:
    """What *Show more* will post, page by page, and what the tools below it do."""
    counts = Counter(f["severity"] for f in rest)
    by_severity = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    parts = [f"{len(rest)} more quoted ({by_severity})"] if rest else []
    if absent:
        parts.append(f"the {absent} not covered in detail")
    return (
        f"*Show more* posts {' and '.join(parts)} here, {PAGE_SIZE} at a time, with "
        f"Accept/Reject. {_TOOLS_HINT}"
    )


_TOOLS_HINT = (
    "The filter posts one severity and worse; *Export* uploads the whole review as a file."
)


def _analysis_footer(analysis: Mapping[str, Any]) -> str:
    """Who reviewed, what the models cost, and why the AI part is missing if it is."""
    parts = [f"Reviewed by {', '.join(analysis['providers'])}"]
    usage = analysis.get("usage") or {}
    if usage.get("cost_usd"):
        parts.append(
            f"{usage['input_tokens']:,} in / {usage['output_tokens']:,} out tokens, "
            f"${usage['cost_usd']:.4f}"
        )
    if analysis.get("note"):
        parts.append(f":warning: {escape(analysis['note'])}")
    return " · ".join(parts)


def reviewing_message(filename: str) -> Message:
    text = f":eyes: Reviewing *{escape(filename)}*. I'll post the findings here in this thread."
    return _message(f"Reviewing {filename}…", [_section(text)])


def findings_messages(
    payload: Mapping[str, Any],
    *,
    decisions: Mapping[str, tuple[str, str]] | None = None,
    shown: int = 8,
) -> list[Message]:
    """The review in its thread: summary, the `shown` most important quoted findings with
    Accept/Reject, one "Not covered" list of what the document lacks, a *Show more*
    button for the rest (paged by `findings_page_message`), the severity filter and Export.

    `decisions` maps a finding id to (decision, Slack user id) for findings already
    accepted or rejected, so a re-posted review shows who decided instead of buttons.
    """
    document, analysis = payload["document"], payload["analysis"]
    findings = payload["findings"]
    quoted, absent = quoted_and_absent(findings)
    decisions = decisions or {}
    summary = (
        f"*{escape(document['filename'])}*: {document['pages']} pages, "
        f"{document['sections']} sections, {document['words']:,} words\n"
        f"*Score* {analysis['score']:.2f} / 1.00   ·   {len(findings)} findings"
        + (f" ({len(absent)} not covered)" if absent else "")
        + f"\n{_counts(analysis['counts'])}"
    )
    head = [_header(f"Review: {document['title']}"), _section(summary)]
    if footer := _analysis_footer(analysis):
        head.append(_context(footer))
    if not findings:
        head.append(_section(":white_check_mark: No findings: the document covers the checklist."))
    else:
        head.append(_divider())
    groups = [head]
    groups += [_finding_blocks(f, document["id"], decisions.get(f["id"])) for f in quoted[:shown]]
    if absent:
        groups += _not_covered(absent)
    rest = quoted[shown:]
    if rest or absent:
        groups.append(
            [
                _context(_pager_line(rest, len(absent))),
                _pager(document["id"], min(shown, len(quoted)), "Show more"),
                _tools(document["id"]),
            ]
        )
    elif findings:
        groups.append([_context(_TOOLS_HINT), _tools(document["id"])])
    counts = ", ".join(f"{analysis['counts'].get(s, 0)} {s}" for s in SEVERITIES)
    fallback = f"Review of {document['title']}: score {analysis['score']:.2f}; {counts}"
    return _paginate(fallback, groups)


def findings_page_message(
    payload: Mapping[str, Any],
    offset: int,
    *,
    decisions: Mapping[str, tuple[str, str]] | None = None,
    size: int = PAGE_SIZE,
    min_severity: Severity | None = None,
) -> Message | None:
    """Findings `offset` to `offset + size` of the review in `review_order` (only those at
    `min_severity` or worse, when filtered), each with Accept/Reject, and *Show more* while
    more are left; None past the end (the review changed since the button was posted)."""
    document = payload["document"]
    ordered = review_order(select(payload["findings"], min_severity=min_severity)[0])
    which = f"{SEVERITY_FILTERS[min_severity].lower()}: " if min_severity else ""
    page = ordered[offset : offset + size]
    if not page:
        if offset or min_severity is None:
            return None
        none = f"no findings at {min_severity} severity or worse"
        line = f"*{escape(document['title'])}*: {none}."
        return _message(f"{document['title']}: {none}", [_section(line)])
    decisions = decisions or {}
    end = offset + len(page)
    heading = f"*{escape(document['title'])}*: {which}findings {offset + 1}–{end} of {len(ordered)}"
    blocks = [_context(heading)]
    quoted, absent = quoted_and_absent(page)
    for finding in quoted:
        blocks += _finding_blocks(finding, document["id"], decisions.get(finding["id"]))
    if absent:
        blocks.append(_section(":mag: *Not covered*"))
    for finding in absent:
        blocks += _finding_blocks(finding, document["id"], decisions.get(finding["id"]))
    if left := len(ordered) - end:
        label = f"Show more ({min(left, size)} of {left} left)"
        blocks.append(_pager(document["id"], end, label, min_severity))
    return _message(
        f"{document['title']}: {which}findings {offset + 1}–{end} of {len(ordered)}", blocks
    )


def decision_update(
    blocks: list[dict[str, Any]], finding_id: str, decision: str, user_id: str
) -> list[dict[str, Any]]:
    """The posted message's blocks with that finding's buttons (or earlier decision) replaced."""
    replaced = _decided(finding_id, decision, user_id)
    targets = {f"decide:{finding_id}", f"decided:{finding_id}"}
    return [replaced if block.get("block_id") in targets else block for block in blocks]


def reject_reason_modal(
    document_id: str, finding_id: str, channel_id: str, message_ts: str
) -> dict[str, Any]:
    """The `views.open` view asking why a finding is rejected; the reason is optional."""
    metadata = {
        "document_id": document_id,
        "finding_id": finding_id,
        "channel_id": channel_id,
        "message_ts": message_ts,
    }
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK,
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "title": _plain("Reject finding", 24),
        "submit": _plain("Reject", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": _plain("Why does this finding not apply?", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "multiline": True,
                    "max_length": 2000,
                    "placeholder": _plain("e.g. the threshold is defined in section 3.2", 150),
                },
            }
        ],
    }


def version_diff_messages(
    payload: Mapping[str, Any],
    *,
    resolved: list[Finding],
    new: list[Finding],
    persisting: list[Finding],
    version: int | None = None,
    shown: int = 8,
) -> list[Message]:
    """A new upload in a reviewed thread: what got fixed, what is new (quoted findings with
    buttons, absences as one "Not covered" list), what stays, and *Show more* for the
    whole review of this version."""
    document, analysis = payload["document"], payload["analysis"]
    name = f"Version {version}" if version else "New version"
    tally = f"{len(resolved)} resolved, {len(new)} new, {len(persisting)} persisting"
    head = [
        _header(f"{name} of {document['title']}"),
        _section(
            f"*{tally}*\n*Score* {analysis['score']:.2f} / 1.00\n{_counts(analysis['counts'])}"
        ),
    ]
    groups = [head]
    if resolved:
        lines = [":white_check_mark: *Resolved*"]
        lines += [f"• ~{escape(shorten(f.title, 200))}~" for f in resolved]
        groups.append(_line_sections(lines))
    quoted, absent = quoted_and_absent([f.model_dump(mode="json") for f in new])
    if new:
        groups.append([_divider(), _section(":new: *New in this version*")])
        groups += [_finding_blocks(f, document["id"], None) for f in quoted[:shown]]
        if absent:
            groups += _not_covered(absent)
    if persisting:
        titles = ", ".join(escape(shorten(f.title, 80)) for f in persisting)
        groups.append([_context(f":hourglass: *Still open:* {titles}")])
    if total := len(payload["findings"]):
        rest = len(quoted[shown:])
        more = f"{rest} more new quoted findings not shown. " if rest else ""
        line = (
            f"{more}*Show more* posts the {total} findings of this version here, "
            f"{PAGE_SIZE} at a time, with Accept/Reject. {_TOOLS_HINT}"
        )
        groups.append(
            [_context(line), _pager(document["id"], 0, "Show more"), _tools(document["id"])]
        )
    return _paginate(f"{name} of {document['title']}: {tally}", groups)


def answer_message(answer: Answer) -> Message:
    blocks = [_section(escape(answer.text))]
    blocks += [
        _section(_quote(citation.quote, citation.section, citation.page))
        for citation in answer.citations[: MAX_BLOCKS - 1]
    ]
    return _message(answer.text, blocks)


def refusal_message(message: str) -> Message:
    """An upload DocSense cannot read; `message` already tells the user what to do."""
    return _message(message, [_section(f":x: {escape(message)}")])


def failure_message(reason: str) -> Message:
    text = f":warning: The review could not be completed: {escape(reason)}"
    return _message(f"The review could not be completed: {reason}", [_section(text)])


def _help_blocks() -> list[Block]:
    lines = [f"`/docsense {escape(usage)}`: {about}" for usage, about in COMMANDS]
    return [
        _section(
            "*DocSense* reviews trading-algorithm documents. Share a PDF, DOCX, Markdown or text "
            "file in a channel and I'll reply in its thread. Ask questions in that thread; upload "
            "a new version there to see what got fixed."
        ),
        _section("\n".join(lines)),
        _context("`<doc>` is a file name, a document id or its first 8 characters."),
    ]


def help_message() -> Message:
    return _message("DocSense commands: " + ", ".join(u for u, _ in COMMANDS), _help_blocks())


def unknown_command_message(text: str) -> Message:
    what = escape(shorten(text, 200))
    blocks = [_section(f":thinking_face: I didn't understand `{what}`."), *_help_blocks()]
    return _message(f"I didn't understand “{shorten(text, 200)}”.", blocks)


def _row_line(row: DocumentRow) -> str:
    score = "" if row.score is None else f" · score {row.score:.2f}"
    counts = " ".join(f"{SEVERITY_EMOJI[s]}{row.counts.get(s, 0)}" for s in SEVERITIES)
    line = (
        f"*{escape(row.filename)}* `{row.short_id}` · {row.state}{score} · {counts} · "
        f"{row.open_findings} open · {row.updated_at:%Y-%m-%d %H:%M}"
    )
    if row.reject_message:
        line += f"\n      _{escape(shorten(row.reject_message, 300))}_"
    return line


def status_message(rows: list[DocumentRow]) -> Message:
    if not rows:
        return _message(
            "No documents yet.",
            [_section("No documents yet. Share a file in this channel and I'll review it.")],
        )
    blocks = [_header("Documents"), *_line_sections([_row_line(r) for r in rows])]
    return _message(f"{len(rows)} documents", blocks[:MAX_BLOCKS])


_STATUS_MARK = {"open": "•", "accepted": "✅", "rejected": "❌"}


def document_status_message(row: DocumentRow, findings: list[Mapping[str, Any]]) -> Message:
    """One document with each finding's status (rows of the `findings` read model)."""
    lines = []
    for finding in findings:
        status = finding["status"]
        line = (
            f"{_STATUS_MARK.get(status, '•')} {SEVERITY_EMOJI.get(finding['severity'], '')} "
            f"{escape(shorten(finding['title'], 200))}"
        )
        if finding.get("section"):
            line += f"  _{_where(finding['section'], finding.get('page'))}_"
        if status != "open" and finding.get("decided_by"):
            line += f"  ({status} by {_user(finding['decided_by'])})"
        lines.append(line)
    blocks = [
        _header(row.title or row.filename),
        _section(_row_line(row)),
        *(_line_sections(lines) if lines else [_section("No findings.")]),
    ]
    return _message(f"{row.filename}: {row.state}", blocks[:MAX_BLOCKS])


def _event_line(event: RecordedEvent) -> str:
    actor = event.metadata.get("actor")
    by = f" by {_user(str(actor))}" if actor else ""
    line = f"`{event.recorded_at:%Y-%m-%d %H:%M:%S}` *{event.type}*{by}"
    details = event_details(event)
    return f"{line} · {escape(shorten(details, 300))}" if details else line


def history_message(filename: str, events: list[RecordedEvent]) -> Message:
    if not events:
        return _message(
            f"No history for {filename}.", [_section(f"No history for *{escape(filename)}*.")]
        )
    blocks = [
        _header(f"History of {filename}"),
        *_line_sections([_event_line(e) for e in events]),
        _context("Times are UTC."),
    ]
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], blocks[-1]]
    return _message(f"History of {filename}: {len(events)} events", blocks)


def stats_message(
    documents: int,
    findings: int,
    accepted: int,
    rejected: int,
    *,
    questions: int = 0,
    cost_usd: float = 0.0,
) -> Message:
    decided = accepted + rejected
    rate = (
        f"*{accepted / decided:.0%}* of decided findings accepted"
        if decided
        else "No findings decided yet"
    )
    text = (
        f"*{documents:,}* documents reviewed · *{findings:,}* findings\n"
        f"✅ {accepted:,} accepted · ❌ {rejected:,} rejected · {findings - decided:,} open\n"
        f"{rate}\n"
        f"{questions:,} questions answered · AI cost ${cost_usd:,.2f}"
    )
    return _message(
        f"{documents} documents, {findings} findings, {accepted} accepted, {rejected} rejected",
        [_header("DocSense stats"), _section(text)],
    )


# -- App Home -----------------------------------------------------------------------------

_HOW_TO = (
    ":page_facing_up: *Share a file* (PDF, DOCX, Markdown or text) in a channel with DocSense, "
    "or send it to me directly: the review arrives in the file's thread.",
    ":zap: *A file posted before I joined*: choose *Review with DocSense* in that message's "
    "⋯ menu (More actions); a file already reviewed is not reviewed again.",
    ":speech_balloon: *Ask questions* in the review's thread; the answers quote the document. "
    "*Accept* or *Reject* each finding; *Show more*, the severity filter and *Export* are "
    "below the findings.",
    ":sparkles: *Side panel*: where your workspace enabled it, open DocSense from the top bar, "
    "drop a file or pick a document, and ask there.",
    ":keyboard: `/docsense help` lists the commands (status, history, reanalyze, export, stats).",
)


def _link_text(text: str) -> str:
    """Text inside `<url|text>`: escaped, and without the `|` that would end it."""
    return escape(text).replace("|", "¦")


def _channel_mention(channel_id: str | None, channels: Mapping[str, str]) -> str:
    """A channel as a mention (Slack shows its name to whoever can see it); DMs in words."""
    label = channels.get(channel_id or "", "")
    return f"<#{channel_id}>" if label.startswith("#") else escape(label or "an unknown channel")


def _home_line(row: DocumentRow, channels: Mapping[str, str], link: str | None) -> str:
    name = f"*<{link}|{_link_text(row.filename)}>*" if link else f"*{escape(row.filename)}*"
    score = "" if row.score is None else f" · score {row.score:.2f}"
    total = sum(row.counts.values())
    return (
        f"{name} in {_channel_mention(row.channel_id, channels)}\n"
        f"      {row.state}{score} · {total} findings, {row.open_findings} open · "
        f"{row.updated_at:%Y-%m-%d %H:%M} UTC"
    )


def home_view(
    user_id: str,
    rows: Sequence[DocumentRow],
    *,
    channels: Mapping[str, str],
    links: Mapping[UUID, str],
    stats: Stats | None,
    usage: AIUsage | None = None,
    since: datetime | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The Home tab: `rows` (from `channels`, the ones this user shares with DocSense only),
    decisions in those channels, AI usage this month when a model is configured (`usage`),
    and how to use DocSense. Never more than Slack's 100 blocks."""
    blocks: list[Block] = [
        _header("DocSense"),
        _section(
            f"Hi {_user(user_id)}: your recent documents in the channels you share with "
            "DocSense, newest first. Nothing from a channel you are not in is shown."
        ),
    ]
    if notice:
        blocks.append(_section(f":warning: {escape(notice)}"))
    if rows:
        lines = [_home_line(row, channels, links.get(row.id)) for row in rows[:HOME_DOCUMENTS]]
        blocks += _line_sections(lines)
    elif not notice:
        blocks.append(_section("No documents yet. Share a file in a channel with me to start."))
    if stats is not None:
        open_findings = stats.findings - stats.accepted - stats.rejected
        blocks += [
            _divider(),
            _section(
                f"*Decisions*: ✅ {stats.accepted:,} accepted · ❌ {stats.rejected:,} rejected · "
                f"{open_findings:,} open, across {stats.documents:,} documents in these channels"
            ),
        ]
    if usage is not None and since is not None:
        blocks.append(
            _section(
                f"*AI this month* (since {since:%d %B}, UTC): {usage.reviews:,} reviews and "
                f"{usage.answers:,} answers, {usage.input_tokens:,} in / "
                f"{usage.output_tokens:,} out tokens, *${usage.cost_usd:,.2f}*"
            )
        )
    blocks += [_divider(), _header("How to use DocSense"), *_line_sections(_HOW_TO)]
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


# -- Assistant threads (the side panel) ---------------------------------------------------


def _option(row: DocumentRow, channels: Mapping[str, str]) -> dict[str, Any]:
    where = channels.get(row.channel_id or "", "")
    return {
        "text": _plain(f"{row.filename} · {where}" if where else row.filename, MAX_OPTION_TEXT),
        "value": str(row.id),
    }


def assistant_greeting(rows: Sequence[DocumentRow], channels: Mapping[str, str]) -> Message:
    """The first message of an assistant thread: drop a file, or pick a reviewed document
    from the channels the user shares with DocSense (`rows`, already scoped)."""
    blocks = [
        _section(
            ":wave: I review trading-algorithm documents and answer questions about them, "
            "quoting the document. *Drop a file* (PDF, DOCX, Markdown or text) here to review "
            "it, or *pick a document* to ask about."
        )
    ]
    if rows:
        blocks.append(
            {
                "type": "actions",
                "block_id": PICK_BLOCK,
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": PICK_ACTION,
                        "placeholder": _plain("Pick a reviewed document", MAX_OPTION_TEXT),
                        "options": [_option(r, channels) for r in rows[:MAX_SELECT_OPTIONS]],
                    }
                ],
            }
        )
    else:
        blocks.append(_context("No reviewed documents in the channels you share with me yet."))
    return _message("Drop a file to review it, or pick a document to ask about.", blocks)


def assistant_prompts(rows: Sequence[DocumentRow]) -> list[dict[str, str]]:
    """Suggested prompts that open a document: a click sends "Open <file> (<id>)"."""
    return [
        {"title": shorten(f"Ask about {row.filename}", 75), "message": open_prompt(row)}
        for row in rows[:MAX_PROMPTS]
    ]


def open_prompt(row: DocumentRow) -> str:
    return f"Open {row.filename} ({row.short_id})"


QUESTION_PROMPTS = (
    {"title": "Risk limits", "message": "What risk limits does the document set?"},
    {"title": "Signal", "message": "How is the trading signal computed?"},
    {"title": "Backtest", "message": "How was the strategy backtested?"},
    {"title": "Data", "message": "Which data sources does the strategy use?"},
)


def discussing_message(row: DocumentRow, channels: Mapping[str, str]) -> Message:
    """The reply to a pick: which document the thread is now about."""
    score = "" if row.score is None else f", score {row.score:.2f}"
    total = sum(row.counts.values())
    text = (
        f":open_book: Now discussing *{escape(row.filename)}* from "
        f"{_channel_mention(row.channel_id, channels)} ({total} findings, {row.open_findings} open"
        f"{score}). Ask me anything about it; I quote the document in every answer."
    )
    return _message(f"Now discussing {row.filename}", [_section(text)])


def assistant_hint_message(text: str) -> Message:
    return _message(text, [_section(escape(text))])
