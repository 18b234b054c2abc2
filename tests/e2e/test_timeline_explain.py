"""`explain` on an infeasible timeline names the first failing year and what falls short in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteplan.analysis.explain import explain_infeasible
from siteplan.scenario.load import load_scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"


def _scenario(tmp_path: Path, name: str, body: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {TINY / 'tiny.yaml'}\nname: {name}\nyears: [2024, 2025]\n{body}", encoding="utf-8")
    return load_scenario(path)


def test_small_last_year_budget_is_named_with_its_year_and_amount(tmp_path):
    # tiny's network costs 2.8M (see tiny_timeline.yaml); 1.5M + 0.5M leaves 0.8M short in 2025
    scn = _scenario(tmp_path, "short", "budget: {capex: {2024: 1.5e6, 2025: 0.5e6}}\n")
    diag = explain_infeasible(scn)
    assert not diag.feasible
    assert diag.tier_values["year"] == 2025
    (sf,) = diag.shortfalls
    assert sf.group == "capex" and sf.facts["year"] == 2025
    assert sf.amount == pytest.approx(800_000, rel=1e-3)
    assert sf.text.startswith("in 2025 the capex budget") and "2024–2025" in sf.text


def test_a_milestone_that_cannot_be_met_in_its_year(tmp_path):
    # everyone served already in 2024 needs the whole 2.8M network from 2024's 1.5M: 1.3M short
    scn = _scenario(tmp_path, "cover", "budget: {capex: 1.5e6}\nstandards: {coverage: {2024: {urban: 1.0, rural: 1.0}}}\n")
    diag = explain_infeasible(scn)
    assert diag.tier_values["year"] == 2024
    assert [s.group for s in diag.shortfalls] == ["capex"]
    assert diag.shortfalls[0].amount == pytest.approx(1_300_000, rel=1e-3)
    assert "in 2024" in diag.text()


def test_a_feasible_timeline_is_said_feasible():
    diag = explain_infeasible(load_scenario(TINY / "tiny_timeline.yaml"))
    assert diag.feasible and not diag.shortfalls
