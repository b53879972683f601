from domain.ai.grounding import ground_findings
from domain.ai.merge import merge_findings
from domain.findings import Category, Evidence, Finding, Severity, finding_id
from tests.domain.ai.ai_fakes import make_ir, model_finding

IR = make_ir(
    ("1", "Signal", "Rebalance when drift exceeds the tolerance threshold. Use daily prices."),
    ("2", "Costs", "Costs are assumed to be small. Slippage is ignored."),
    ("3", "Risk", "Leverage is limited. The kill switch is manual."),
)


def rules_finding(
    quote: str | None, section: str, category: Category, severity: Severity = "high"
) -> Finding:
    evidence = Evidence(quote=quote, section=section, page=None) if quote else None
    rule = f"rule-{category}"
    return Finding(
        id=finding_id(rule, evidence),
        rule=rule,
        category=category,
        severity=severity,
        title="Rules title",
        detail="Rules detail.",
        suggestion="Rules suggestion.",
        evidence=evidence,
    )


def grounded(*items: tuple[str, Category, Severity]) -> list[Finding]:
    findings, dropped = ground_findings(
        [model_finding(q, category=c, severity=s) for q, c, s in items], IR
    )
    assert not dropped
    return findings


def test_same_quote_keeps_the_rules_finding_with_the_higher_severity() -> None:
    rules = [rules_finding("the tolerance threshold", "1 Signal", "undefined_parameter", "high")]
    model = grounded(("the  tolerance\nthreshold", "ambiguous_methodology", "critical"))
    [merged] = merge_findings(rules, model, IR)
    assert merged.source == "rules"
    assert merged.id == rules[0].id
    assert merged.severity == "critical"


def test_overlapping_quotes_are_one_problem() -> None:
    rules = [rules_finding("Slippage is ignored.", "2 Costs", "costs_and_execution", "critical")]
    model = grounded(("assumed to be small. Slippage is", "clarity", "medium"))
    merged = merge_findings(rules, model, IR)
    assert [f.source for f in merged] == ["rules"]
    assert merged[0].severity == "critical"


def test_same_section_and_category_as_a_rules_finding_is_a_duplicate() -> None:
    rules = [rules_finding("Leverage is limited.", "3 Risk", "risk_controls")]
    model = grounded(("The kill switch is manual.", "risk_controls", "high"))
    assert [f.source for f in merge_findings(rules, model, IR)] == ["rules"]


def test_absences_of_the_same_category_are_duplicates() -> None:
    rules = [rules_finding(None, "", "backtest_methodology", "critical")]
    model = grounded(("", "backtest_methodology", "high"), ("", "market_calendar", "high"))
    merged = merge_findings(rules, model, IR)
    assert [(f.source, f.category) for f in merged] == [
        ("rules", "backtest_methodology"),
        ("llm", "market_calendar"),
    ]


def test_distinct_model_findings_are_kept_and_sorted_by_severity_then_document_order() -> None:
    rules = [rules_finding("Use daily prices.", "1 Signal", "data_source_unspecified", "medium")]
    model = grounded(
        ("The kill switch is manual.", "risk_controls", "critical"),
        ("Costs are assumed to be small.", "costs_and_execution", "critical"),
        ("", "missing_governance", "critical"),
        ("Leverage is limited.", "undefined_parameter", "medium"),
    )
    merged = merge_findings(rules, model, IR)
    assert [(f.severity, f.evidence.quote if f.evidence else None) for f in merged] == [
        ("critical", "Costs are assumed to be small."),
        ("critical", "The kill switch is manual."),
        ("critical", None),
        ("medium", "Use daily prices."),
        ("medium", "Leverage is limited."),
    ]
    assert all(
        f.id == finding_id(f"llm:{f.category}", f.evidence, missing=f.title) for f in merged[:3]
    )


def test_two_model_findings_in_one_section_and_category_both_stay() -> None:
    model = grounded(
        ("Costs are assumed to be small.", "costs_and_execution", "high"),
        ("Slippage is ignored.", "costs_and_execution", "high"),
    )
    assert len(merge_findings([], model, IR)) == 2
