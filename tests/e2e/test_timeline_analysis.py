"""compare and sweep on timeline scenarios: yearly totals side by side, a budget sweep that
reports each point's total discounted cost."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from siteplan.analysis import compare
from siteplan.cli import cli as main

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"


def test_compare_column_gives_yearly_rows_and_single_period_shows_none():
    years = [{"year": 2024, "capex_spent": 1.3e6, "opex": 1.027e6}, {"year": 2025, "capex_spent": 1.5e6}]
    a = compare.column("timeline", {"total_cost": 5.129e6}, [], "optimal", by_year=years)
    b = compare.column("single", {"total_cost": 8.31e6}, [], "optimal")
    _, rows = compare.table([a, b])
    got = {r[0]: r[1:] for r in rows}
    assert got["2024: capex spent (CNY)"] == [1.3e6, None, None]
    assert got["2025: capex spent (CNY)"] == [1.5e6, None, None]
    names = [r[0] for r in rows]
    assert names.index("2024: opex (CNY)") < names.index("2025: capex spent (CNY)")  # year by year


def test_compare_and_sweep_on_the_tiny_timeline(tmp_path):
    runner = CliRunner()
    store = str(tmp_path / "runs.sqlite")
    res = runner.invoke(main, ["compare", str(TINY / "tiny_timeline.yaml"), str(TINY / "tiny.yaml"), "--store", store,
                               "--quiet", "--csv", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "c.csv")
    row = df[df["KPI"] == "2024: capex spent (CNY)"].iloc[0]
    assert float(row.iloc[1]) == 1_300_000 and pd.isna(row.iloc[2])  # the hand-worked 2024 spending; tiny has no years
    # a stored run replays its yearly rows too
    res = runner.invoke(main, ["compare", "1", "2", "--store", store])
    assert res.exit_code == 0 and "2025: capex spent (CNY)" in res.output
    res = runner.invoke(main, ["sweep", str(TINY / "tiny_timeline.yaml"), "--vary", "budget.capex=1.2e6,1.5e6",
                               "--store", store, "--out", str(tmp_path / "sw"), "--quiet", "--workers", "1"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "sw" / "sweep.json").read_text(encoding="utf-8"))
    assert doc["cost"] == "total_cost"
    pts = {float(r["budget.capex"]): r for r in doc["frontier"]}
    assert pts[1.5e6]["total_cost"] == 5_129_000  # every year 1.5M: the hand-worked optimum
    assert pts[1.2e6]["status"] == "infeasible"  # 2.4M over two years cannot pay for 2.8M


def test_compare_and_sweep_on_the_tiny_timeline_with_types(tmp_path):
    """Per type and per year rows in compare; a sweep of one year's capex (budget.capex.2024 on a
    scenario whose capex is one number for every year) finds 2024's hand-worked 3.7M
    (tiny_timeline_types.yaml: both types at S1 for street east)."""
    runner = CliRunner()
    store = str(tmp_path / "runs.sqlite")
    res = runner.invoke(main, ["compare", str(TINY / "tiny_timeline_types.yaml"), str(TINY / "tiny_types.yaml"),
                               "--store", store, "--quiet", "--csv", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "c.csv").set_index("KPI")
    tl, single = df.columns[0], df.columns[1]
    assert float(df.loc["2024: elderly_care: committees served", tl]) == 2  # A and B first; C in 2025
    assert float(df.loc["2025: elderly_care: committees served", tl]) == 3
    assert float(df.loc["2024: elderly_care: floor area (m²)", tl]) == 300  # S1 for A+B
    assert float(df.loc["2024: co-location saving (CNY)", tl]) == 100_000  # S1 only
    assert float(df.loc["elderly_care: floor area (m²)", single]) == 350  # S1 300 + S3's 50 minimum
    assert float(df.loc["co-location saving (CNY)", single]) == 200_000
    res = runner.invoke(main, ["compare", "1", "2", "--store", store])  # stored runs replay the type rows
    assert res.exit_code == 0 and "2025: elderly_care: committees served" in res.output
    res = runner.invoke(main, ["sweep", str(TINY / "tiny_timeline_types.yaml"), "--vary",
                               "budget.capex.2024=3.6e6,3.7e6", "--store", store, "--out", str(tmp_path / "sw"),
                               "--quiet", "--workers", "1"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "sw" / "sweep.json").read_text(encoding="utf-8"))
    pts = {float(r["budget.capex.2024"]): r for r in doc["frontier"]}
    assert pts[3.6e6]["status"] == "infeasible"  # 100k short of street east's 3.7M
    assert pts[3.7e6]["total_cost"] == 6_842_000  # the hand-worked optimum, 2025 keeps its 4M


def test_a_yearly_override_expands_a_single_budget_to_every_year(tmp_path):
    import pytest

    from siteplan.errors import InputError
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(TINY / "tiny_timeline_types.yaml", {"budget.capex.2024": 3.0e6})
    assert scn.timeline.capex == {2024: 3.0e6, 2025: 4.0e6}
    path = tmp_path / "yearly.yaml"  # a mapping read from YAML has whole-number years as keys
    path.write_text(f"extends: {TINY / 'tiny_timeline_types.yaml'}\nname: yearly\n"
                    "budget: {capex: {2024: 4.0e+6, 2025: 4.5e+6}}\n", encoding="utf-8")
    scn = load_scenario(path, {"budget.capex.2025": 1.0e6})
    assert scn.timeline.capex == {2024: 4.0e6, 2025: 1.0e6}
    assert set(scn.raw["budget"]["capex"]) == {2024, 2025}  # set in place, not beside it as "2025"
    with pytest.raises(InputError, match="2030 is not a year of the timeline"):
        load_scenario(TINY / "tiny_timeline_types.yaml", {"budget.capex.2030": 1.0e6})


def test_yearly_rule_rows_line_up_whatever_their_counts():
    # two timelines that serve different numbers of committees in 2024 share one row per rule and year
    rows = [{"rule": "type_coverage", "scope": "2024: all 2 elderly_care committees", "ok": True, "achieved": 2}]
    other = [{"rule": "type_coverage", "scope": "2024: all 3 elderly_care committees", "ok": True, "achieved": 3}]
    _, table = compare.table([compare.column("a", {}, rows, "optimal"), compare.column("b", {}, other, "optimal")])
    got = {r[0]: r[1:] for r in table}
    assert got["type_coverage @ 2024: all elderly_care committees: achieved"] == [2, 3, 1]
