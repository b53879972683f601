"""The alerts, their unit tests, the dashboard and docs/operations.md name only series that
`/metrics` exposes, and the docs list all of ours: a renamed metric cannot leave an alert
that never fires or a panel that stays empty."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import metrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
_SERIES = re.compile(r"\b(?:docsense|process|python)_[a-z0-9_]+\b|\bup\b")
_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exposed() -> dict[str, str]:
    """Every sample name `/metrics` can carry, with the name its family is documented by."""
    names = {"up": "up"}
    for family in metrics.REGISTRY.collect():
        kind = family.type if family.type in _SUFFIXES else "gauge"
        documented = family.name + ("_total" if kind == "counter" else "")
        for suffix in _SUFFIXES[kind]:
            names[family.name + suffix] = documented
    return names


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    return json.loads((DEPLOY / "grafana-dashboard.json").read_text())


def dashboard_queries() -> list[str]:
    board = dashboard()
    queries = [t["expr"] for panel in board["panels"] for t in panel["targets"]]
    variables = board["templating"]["list"]
    return queries + [v["definition"] for v in variables if v["type"] == "query"]


def operations_metrics_table() -> set[str]:
    text = (ROOT / "docs" / "operations.md").read_text()
    section = text.split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE))


def test_alerts_and_the_dashboard_use_only_exposed_series() -> None:
    names = exposed()
    used = {
        name
        for query in [rule["expr"] for rule in alert_rules()] + dashboard_queries()
        for name in _SERIES.findall(query)
    }
    assert used - names.keys() == set()
    assert "docsense_db_pool_size" in used and "docsense_job_oldest_pending_age_seconds" in used


def test_alert_unit_tests_feed_only_exposed_series() -> None:
    names = exposed()
    tests = yaml.safe_load((DEPLOY / "alerts_test.yml").read_text())["tests"]
    fed = {series["series"].split("{", 1)[0] for test in tests for series in test["input_series"]}
    assert fed - names.keys() == set()


def test_every_alert_has_a_unit_test_where_it_fires() -> None:
    tests = yaml.safe_load((DEPLOY / "alerts_test.yml").read_text())["tests"]
    firing = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert {rule["alert"] for rule in alert_rules()} == firing


def test_the_docs_list_every_series_of_ours_and_no_other() -> None:
    ours = {documented for documented in exposed().values() if documented.startswith("docsense_")}
    assert operations_metrics_table() == ours


def test_the_dashboard_selects_replicas_by_its_variables() -> None:
    board = dashboard()
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["instance"]["definition"].startswith("label_values(docsense_build_info")
    for panel in board["panels"]:
        for target in panel["targets"]:
            selectors = re.findall(r"\{[^}]*\}", target["expr"])
            assert selectors, target["expr"]
            for selector in selectors:
                assert 'job=~"$job"' in selector and 'instance=~"$instance"' in selector, (
                    panel["title"],
                    selector,
                )
    assert len({panel["id"] for panel in board["panels"]}) == len(board["panels"])


def test_promtool_accepts_the_rules_and_their_tests() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    for command in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        result = subprocess.run(
            [promtool, *command], cwd=DEPLOY, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
