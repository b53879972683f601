"""Hand-built documents for the review tests, so they do not depend on ingest heuristics."""

from __future__ import annotations

from domain.findings import Finding
from domain.ir import CrossReference, Definition, DocumentIR, Formula, Parameter, Section
from domain.review import review_rules
from domain.review.checklist import RULES_BY_ID
from domain.review.text import is_verbatim


def document(
    *sections: tuple[str, str],
    title: str = "Sector Rotation Strategy",
    formulas: tuple[Formula, ...] = (),
    parameters: tuple[Parameter, ...] = (),
    references: tuple[CrossReference, ...] = (),
    definitions: tuple[Definition, ...] = (),
) -> DocumentIR:
    built = [
        Section(
            id=f"s{index}",
            number=str(index),
            title=heading,
            level=2,
            page_start=index,
            page_end=index,
            text=text,
        )
        for index, (heading, text) in enumerate(sections, start=1)
    ]
    return DocumentIR(
        title=title,
        filename="strategy.md",
        media_type="text/markdown",
        sha256="0" * 64,
        pages=len(built),
        words=sum(len(s.text.split()) for s in built),
        sections=built,
        formulas=list(formulas),
        parameters=list(parameters),
        cross_references=list(references),
        definitions=list(definitions),
    )


def review(ir: DocumentIR) -> list[Finding]:
    """review_rules, asserting that every quote is verbatim in the section it names."""
    findings = review_rules(ir)
    for finding in findings:
        if finding.evidence is not None:
            section = next(s for s in ir.sections if s.label == finding.evidence.section)
            assert is_verbatim(finding.evidence.quote, section.text), finding
    return findings


def quoted(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule and f.evidence is not None]


def mentions(findings: list[Finding], rule_id: str) -> list[Finding]:
    """Findings about a checklist row: its own, an area-wide gap listing it, or another
    finding on the same sentence that folded its red flag in."""
    flags = [flag.title[:1].lower() + flag.title[1:] for flag in RULES_BY_ID[rule_id].red_flags]
    return [
        f
        for f in findings
        if f.rule.startswith(f"{rule_id}/")
        or f"{rule_id} " in f.detail
        or any(f"Also: {title}" in f.detail for title in flags)
    ]


# A live trading specification that covers the whole checklist; tests remove or change
# one sentence to see one rule fire.
LIVE_SPEC: dict[str, str] = {
    "Summary and purpose": (
        "This document specifies a systematic sector rotation strategy for US equities. Its "
        "purpose is to harvest the cross-sectional momentum risk premium among sector ETFs; "
        "the hypothesis is that investors under-react to sector news, an inefficiency "
        "documented since 1993."
    ),
    "Universe": (
        "The universe is the 11 SPDR sector ETFs listed on NYSE Arca with average daily "
        "value above USD 50 million."
    ),
    "Signal": (
        "The signal is defined as the 252 NYSE trading day total return ending at t-1, "
        "divided by its 63 trading day volatility. ETFs are ranked by signal."
    ),
    "Entry and exit": (
        "Entry: buy the top 3 ETFs by signal at the next open. Exit: an ETF leaves the top "
        "5, or a stop-loss of 8% from entry is hit; the maximum holding period is 60 NYSE "
        "trading days."
    ),
    "Position sizing": (
        "Weights are inverse-volatility scaled to a 10% annualised volatility target, with "
        "leverage at most 1.5x."
    ),
    "Assumptions and limitations": (
        "The strategy assumes sector ETFs stay liquid; it is not designed for crash periods."
    ),
    "Data": (
        "Prices are Bloomberg adjusted closing prices, point-in-time, with a one-day "
        "publication lag. Survivorship is handled by including delisted ETFs. Splits and "
        "dividends are adjusted; outliers above 10 sigma are winsorised and missing prices "
        "forward-filled for at most 2 NYSE trading days."
    ),
    "Backtest": (
        "The backtest runs from 2000 to 2024. In-sample is 2000-2015 and out-of-sample "
        "2016-2024, frozen before testing. A walk-forward scheme refits every 12 months. "
        "We tried 24 configurations and report the deflated Sharpe ratio; the Sharpe ratio is "
        "0.8 with maximum drawdown of 18%. Sensitivity to lookbacks of 126 to 378 days is "
        "shown, and stress periods 2008 and 2020 are analysed."
    ),
    "Costs and capacity": (
        "Commissions are 0.5 bps and half-spread 1 bp; slippage follows a square-root market "
        "impact model. Capacity is USD 500 million at a participation rate of 5% of ADV."
    ),
    "Execution": "Orders are limit orders routed to NYSE Arca via VWAP over the first hour.",
    "Risk controls": (
        "Position limits: no ETF above 40% of NAV, gross exposure limit 150%. Pre-trade "
        "controls include price collars of 3% and a maximum order value of USD 20 million. "
        "The kill switch cancels all open orders and is tested monthly by the head of trading. "
        "Real-time monitoring raises alerts to the on-call trader; fills are reconciled daily. "
        "Failure modes: stale data over 5 minutes stops trading, with failover to a backup "
        "site. Surveillance checks for wash trades and spoofing."
    ),
    "Governance": (
        "Owner: head of systematic trading; approved by risk and compliance sign-off. "
        "Version 2.1 with change log; material changes need re-approval. Before go-live the "
        "strategy ran in a separate test environment with 3 months of paper trading. Live vs "
        "backtest performance is reviewed monthly, with independent validation annually under "
        "MiFID II RTS 6."
    ),
    "Calendar": (
        "Business days follow the NYSE trading calendar. When a rebalance date is a holiday, "
        "the preceding trading day is used. Cut-off is 15:45 America/New_York."
    ),
    "Reproducibility": "The configuration file and code commit are stored with a data manifest.",
}


def live_spec(**changes: str) -> DocumentIR:
    """The full specification with some sections replaced (an empty string drops one)."""
    sections = dict(LIVE_SPEC)
    for title, text in changes.items():
        key = title.replace("_", " ")
        match = next(k for k in sections if k.lower() == key.lower())
        sections[match] = text
    return document(*[(t, x) for t, x in sections.items() if x], title="Sector Rotation Strategy")
