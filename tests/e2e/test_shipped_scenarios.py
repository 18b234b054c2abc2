"""Every shipped scenario solves end to end through the CLI and its plan passes the checker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

SHIPPED = sorted(p for p in SCENARIOS.rglob("*.yaml"))


def test_there_are_shipped_scenarios():
    assert len(SHIPPED) >= 7


@pytest.mark.parametrize("path", SHIPPED, ids=[p.relative_to(SCENARIOS).as_posix() for p in SHIPPED])
def test_scenario_solves_and_passes_check(path, tmp_path, run_cli):
    out = tmp_path / "out"
    code, stdout, err = run_cli("solve", path, "--out", out, "--time-limit", "15", "--quiet")
    assert code == 0, err
    assert "independent check: passed" in stdout
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["check"]["ok"] and doc["status"] in ("optimal", "feasible")
    for name in ("facilities.csv", "committees.csv", "compliance.csv", "totals.csv", "scenario.resolved.yaml"):
        assert (out / name).exists()
    code, stdout, err = run_cli("check", out)
    assert code == 0, err
    # every enforced rule holds; budgets, when given, are respected
    assert all(r["ok"] is not False for r in doc["compliance"] if r["enforced"])
