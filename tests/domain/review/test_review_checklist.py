"""Every checklist row fires when its subject is missing and stays quiet when it is covered."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest
from review_builders import document, live_spec, mentions, quoted, review

from domain.findings import SEVERITIES
from domain.review import CHECKLIST_VERSION, RULES
from domain.review.checklist import (
    AREA_GAPS,
    RULES_BY_ID,
    VENDORS,
    ChecklistError,
    checklist_version,
    lexicon,
    lexicon_pattern,
    load_checklist,
)
from domain.review.checklist_doc import DOC, render

CHECKLIST_TOML = Path(__file__).parents[3] / "domain" / "review" / "checklist.toml"

CHECKLIST_IDS = (
    [f"SL-0{i}" for i in range(1, 10)]
    + [f"DA-0{i}" for i in range(1, 6)]
    + [f"BT-0{i}" for i in range(1, 9)]
    + [f"EX-0{i}" for i in range(1, 5)]
    + [f"RK-0{i}" for i in range(1, 7)]
    + [f"GV-0{i}" for i in range(1, 7)]
    + [f"MC-0{i}" for i in range(1, 4)]
    + [f"CL-0{i}" for i in range(1, 7)]
)

# Sentences that cover one row each, in a document that otherwise covers nothing.
COVERING = {
    "SL-01": "The hypothesis is that investors under-react to sector news.",
    "SL-02": "The purpose of the strategy is to capture sector momentum in US equities.",
    "SL-03": "The universe is the 500 largest US stocks by market capitalisation.",
    "SL-04": "The signal is defined as the 12-month return divided by volatility.",
    "SL-06": "Entry: buy when the z-score falls below -2.",
    "SL-07": "Exit when the z-score crosses 0, with a stop-loss of 5%.",
    "SL-08": "Weights are set by inverse volatility.",
    "SL-09": "Assumptions: markets stay open and liquid.",
    "DA-01": "Prices come from Bloomberg.",
    "DA-02": "Fundamentals are point-in-time.",
    "DA-03": "Delisted stocks stay in the history to avoid survivorship bias.",
    "DA-04": "Signals use data up to t-1 and orders go at the next open.",
    "DA-05": "Prices are adjusted for splits and dividends.",
    "BT-01": "The backtest covers 2005 to 2023.",
    "BT-02": "The years 2016-2023 are held out as an out-of-sample period.",
    "BT-03": "Parameters are refit with a walk-forward scheme.",
    "BT-05": "The deflated Sharpe ratio corrects for the trials.",
    "BT-06": "The Sharpe ratio is 0.9 with a maximum drawdown of 15%.",
    "BT-07": "A sensitivity analysis varies each lookback by 20%.",
    "BT-08": "Stress periods include 2008 and March 2020.",
    "EX-01": "Commissions are 1 bp per trade.",
    "EX-02": "Slippage is modelled at 2 bps.",
    "EX-03": "Capacity is estimated at USD 200 million.",
    "EX-04": "Orders are executed with VWAP.",
    "RK-01": "Position limits: no name above 5% of NAV.",
    "RK-02": "Pre-trade controls reject orders outside a 5% price collar.",
    "RK-03": "A kill switch cancels all open orders.",
    "RK-04": "Alerts go to the on-call trader.",
    "RK-05": "Stale data triggers a fallback to the last valid price.",
    "RK-06": "Surveillance screens for spoofing.",
    "GV-01": "The owner is the head of systematic trading.",
    "GV-02": "This is version 3 of the specification.",
    "GV-03": "The strategy is paper traded for 3 months.",
    "GV-04": "Live versus backtest performance is compared monthly.",
    "GV-05": "Model validation reviews the strategy every year.",
    "GV-06": "MiFID II RTS 6 applies.",
    "MC-01": "Business days follow the NYSE trading calendar.",
    "MC-02": "If a rebalance date is a holiday, the preceding trading day is used.",
    "MC-03": "Closing prices are taken at 16:00 America/New_York.",
    "CL-01": "Summary: the strategy buys recent sector winners.",
    "CL-06": "The configuration file is stored with the code.",
}
# A live system that says almost nothing: markers for the document type, and words that make
# the conditional rows (backtest, business days, schedules, closing prices) expected.
BARE = (
    "The algorithm runs in production through the order management system. Positions are "
    "rebalanced monthly on business days using closing prices, as in the backtest."
)
COVERABLE = [rule for rule in RULES if rule.covers]


def bare(extra: str = "") -> list:
    return review(document(("Description", f"{BARE} {extra}".strip()), title="Rotation"))


def test_checklist_is_versioned_and_covers_every_row() -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+\+[0-9a-f]{8}", CHECKLIST_VERSION)
    assert len(RULES) >= 40
    assert sorted(RULES_BY_ID) == sorted(CHECKLIST_IDS)
    assert len({rule.key for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule_is_complete_data(rule) -> None:
    assert rule.severity in SEVERITIES
    assert rule.title and rule.rationale and rule.source and rule.suggestion
    assert rule.covers or rule.red_flags or rule.ir_check
    for pattern in (*rule.covers, *(flag.pattern for flag in rule.red_flags)):
        re.compile(pattern, re.IGNORECASE)


def test_every_coverable_row_has_a_covering_sentence() -> None:
    assert {rule.id for rule in COVERABLE} == set(COVERING)


@pytest.mark.parametrize("rule", COVERABLE, ids=lambda rule: rule.id)
def test_missing_row_is_reported(rule) -> None:
    assert mentions(bare(), rule.id), f"{rule.id} not reported for a document without it"


@pytest.mark.parametrize("rule", COVERABLE, ids=lambda rule: rule.id)
def test_covered_row_is_not_reported(rule) -> None:
    assert not mentions(bare(COVERING[rule.id]), rule.id)


def test_full_live_specification_has_no_checklist_gaps() -> None:
    findings = review(live_spec())
    assert [f for f in findings if f.evidence is None] == []


def test_whole_missing_area_is_one_finding() -> None:
    findings = bare()
    backtest = [f for f in findings if f.rule == "backtest-absent"]
    assert len(backtest) == 1
    assert "BT-02" in backtest[0].detail and backtest[0].evidence is None
    assert not any(f.rule.startswith("BT-02/") for f in findings)


RED_FLAGS = [
    (
        "SL-01/results-without-reason",
        {"summary_and_purpose": "The backtest shows that sector winners keep winning."},
        {"summary_and_purpose": "The hypothesis is that investors under-react to news."},
    ),
    (
        "SL-03/eligible-securities-undefined",
        {"universe": "The strategy trades eligible securities listed on NYSE Arca."},
        {"universe": "Eligible securities are the 11 SPDR sector ETFs on NYSE Arca."},
    ),
    (
        "SL-04/prose-signal",
        {"signal": "Buy the sectors with strong momentum."},
        {"signal": "Buy the sectors whose 12-month momentum exceeds 5%."},
    ),
    (
        "SL-06/vague-entry",
        {"entry_and_exit": "Enter when the signal is strong; exit after 20 days at 5% loss."},
        {"entry_and_exit": "Enter when the signal is above 1.5; exit after 20 days."},
    ),
    (
        "DA-01/generic-data-source",
        {"data": "Prices come from a leading data vendor."},
        {"data": "Prices come from Bloomberg, point-in-time."},
    ),
    (
        "DA-03/current-constituents",
        {"data": "Prices are Bloomberg closes. History uses the current constituents."},
        {"data": "Prices are Bloomberg closes. History uses delisted names too."},
    ),
    (
        "DA-04/same-bar-close",
        {"signal": "The signal uses the close and trades are executed at the same close."},
        {"signal": "The signal uses the close and trades are executed at the next open."},
    ),
    (
        "BT-04/optimised-without-trials",
        {"backtest": "Lookbacks were optimised by grid search over 2000-2015."},
        {"backtest": "Lookbacks were optimised by grid search; 24 configurations were tested."},
    ),
    (
        "BT-06/implausible-sharpe",
        {"backtest": "From 2000 to 2024 the Sharpe ratio is 3.4."},
        {"backtest": "From 2000 to 2024 the Sharpe ratio is 1.1."},
    ),
    (
        "EX-01/frictionless",
        {"costs_and_capacity": "Results assume frictionless trading."},
        {"costs_and_capacity": "Commissions are 0.5 bps and the half-spread 1 bp."},
    ),
    (
        "CL-02/placeholder",
        {"position_sizing": "The volatility target is TBD."},
        {"position_sizing": "The volatility target is 10% annualised."},
    ),
    (
        "CL-03/volatility-without-horizon",
        {"position_sizing": "Weights scale to a volatility target of 10%."},
        {"position_sizing": "Weights scale to an annualised volatility target of 10%."},
    ),
    (
        "MC-01/business-day-undefined",
        {
            "calendar": "Orders go out two business days after the signal.",
            "signal": "The signal is defined as the total return ranked across ETFs at t-1.",
            "entry_and_exit": "Buy the top 3 ETFs at the next open; sell at rank 6, stop 8%.",
            "data": "Prices are Bloomberg adjusted closes, point-in-time, with delisted ETFs.",
        },
        {"calendar": "Business days follow the NYSE trading calendar, 16:00 America/New_York."},
    ),
    (
        "MC-02/schedule-without-holiday-rule",
        {"calendar": "The portfolio is rebalanced monthly on the last NYSE trading day."},
        {"calendar": "Rebalanced monthly; on a holiday the preceding NYSE trading day is used."},
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), RED_FLAGS, ids=[r[0] for r in RED_FLAGS])
def test_red_flag_quotes_the_words(rule: str, bad: dict, good: dict) -> None:
    flagged = quoted(review(live_spec(**bad)), rule)
    assert len(flagged) == 1
    section_title = next(iter(bad)).replace("_", " ")
    assert flagged[0].evidence.section.lower().endswith(section_title)
    assert not quoted(review(live_spec(**good)), rule)


@pytest.mark.parametrize(
    "placeholder",
    ["TBD", "TODO", "[insert vendor name]", "XX%", "to be confirmed"],
)
def test_every_placeholder_form_is_caught(placeholder: str) -> None:
    findings = review(live_spec(position_sizing=f"The stop-loss is {placeholder}."))
    (finding,) = quoted(findings, "CL-02/placeholder")
    assert placeholder in finding.evidence.quote


# ---- The checklist as data ---------------------------------------------------------------


def checklist_text() -> str:
    return CHECKLIST_TOML.read_text(encoding="utf-8")


def test_checklist_data_validates_and_is_what_the_engine_runs() -> None:
    loaded = load_checklist(CHECKLIST_TOML.read_bytes())
    assert loaded.rules == RULES
    assert loaded.area_gaps == AREA_GAPS
    assert loaded.declared == CHECKLIST_VERSION.split("+")[0]


def test_version_is_declared_version_plus_digest_of_the_data() -> None:
    data = CHECKLIST_TOML.read_bytes()
    declared = tomllib.loads(data.decode())["version"]
    concepts = CHECKLIST_TOML.with_name("concepts.toml").read_bytes()
    digest = hashlib.sha256(data + concepts).hexdigest()[:8]
    assert CHECKLIST_VERSION.split("+") == [declared, digest]
    assert checklist_version(declared, data, concepts + b"\n") != CHECKLIST_VERSION
    edited = checklist_text().replace("No hypothesis", "No hypothesis stated", 1).encode()
    changed = load_checklist(edited)
    assert changed.version.startswith(f"{declared}+")
    assert changed.version != load_checklist(data).version


BROKEN = [
    pytest.param(
        ('severity = "critical"', 'severity = "urgent"'),
        ["rule SL-01: severity", "'urgent'"],
        id="bad-severity",
    ),
    pytest.param(
        ('id = "SL-01"', 'id = "SL-01"\ncolour = "red"'),
        ["rule SL-01: colour: unknown field"],
        id="unknown-field",
    ),
    pytest.param(
        ('area = "logic"', 'area = "strategy"'),
        ["rule SL-01: area"],
        id="bad-area",
    ),
    pytest.param(
        ("'\\bhypothes[ie]s\\b'", "'\\bhypothes[ie s\\b'"),
        ["rule SL-01: covers[0]: bad regex"],
        id="bad-covers-regex",
    ),
    pytest.param(
        ("(?:found|finds|shows?|showed) that", "(?:found|finds that"),
        ["rule SL-01: red_flags[results-without-reason].pattern: bad regex"],
        id="bad-red-flag-regex",
    ),
    pytest.param(
        ("{lexicon:data_vendors}[^", "{lexicon:data_vendor}[^"),
        ["rule DA-01: covers[1]: unknown lexicon 'data_vendor'"],
        id="unknown-lexicon",
    ),
    pytest.param(
        ("'{match}' reports", "'{matched}' reports"),
        ["rule SL-01: red_flags[results-without-reason].detail", "only {match}"],
        id="bad-placeholder",
    ),
    pytest.param(
        ('id = "SL-02"', 'id = "SL-01"'),
        ["rule SL-01: id used twice"],
        id="duplicate-id",
    ),
    pytest.param(
        ('version = "2026.', 'version = "v2026.'),
        ["version: String should match pattern"],
        id="bad-version",
    ),
    pytest.param(('id = "SL-01"', 'id = "SL-01'), ["not valid TOML"], id="bad-toml"),
]


@pytest.mark.parametrize(("edit", "expected"), BROKEN)
def test_broken_checklist_is_refused_naming_the_rule(
    edit: tuple[str, str], expected: list[str]
) -> None:
    old, new = edit
    text = checklist_text()
    assert old in text
    with pytest.raises(ChecklistError) as refused:
        load_checklist(text.replace(old, new, 1).encode())
    for part in expected:
        assert part in str(refused.value)


def test_lexicon_lookup() -> None:
    vendors = lexicon("data_vendors")
    assert isinstance(vendors, tuple) and "Bloomberg" in vendors
    assert VENDORS == lexicon_pattern("data_vendors") == "(?-i:" + "|".join(vendors) + ")"
    with pytest.raises(KeyError, match="known: data_suppliers, data_vendors"):
        lexicon("no_such_list")


def test_word_lexicon_is_escaped_when_a_pattern_embeds_it() -> None:
    text = checklist_text().replace("'\\bhypothes[ie]s\\b'", "'\\b{lexicon:thesis_words}'", 1)
    text += '\n[lexicons.thesis_words]\nsource = "test"\nterms = ["thesis", "S&P 500 (large)"]\n'
    loaded = load_checklist(text.encode())
    assert loaded.lexicon("thesis_words").terms == ("thesis", "S&P 500 (large)")
    sl01 = next(rule for rule in loaded.rules if rule.id == "SL-01")
    assert sl01.covers[0] == r"\b(?:thesis|" + re.escape("S&P 500 (large)") + ")"
    assert re.search(sl01.covers[0], "the S&P 500 (large) caps")
    assert not re.search(sl01.covers[0], "the S&P 500 large caps")


def test_docs_table_is_generated_from_the_data() -> None:
    current = DOC.read_text(encoding="utf-8")
    assert render(current) == current, "docs/review-engine.md is stale: run `make docs`"
    assert f"## Checklist (version {CHECKLIST_VERSION}, {len(RULES)} rules)" in current
