"""The two-year tiny district (scenarios/tiny/tiny_timeline.yaml, optimum worked out there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siteplan.pipeline import solve_scenario
from siteplan.scenario.load import load_scenario
from siteplan.timeline.check import evaluate_timeline
from siteplan.timeline.solve import myopic_plans

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
TL = TINY / "tiny_timeline.yaml"


@pytest.fixture(scope="module")
def joint():
    return solve_scenario(TL)


def test_joint_optimum_equals_hand_computation(joint):
    assert joint.result.status.value == "optimal"
    assert joint.model.user_objective(joint.result.objective) == pytest.approx(5_129_000, abs=1)
    p24, p25 = joint.plans
    assert p24.areas == pytest.approx({"S1": 75.0, "S3": 120.0})  # built early, serving nobody yet
    assert p25.areas == pytest.approx({"S1": 450.0, "S3": 120.0})
    assert p25.assignment == {"A": "S1", "B": "S1", "C": "S3"}
    sched = [(r["site_id"], r["year"], r["action"], r["area_added_m2"], r["capex"]) for r in joint.timeline_eval.schedule]
    assert sched == [("S1", 2024, "open", 75.0, 800_000.0), ("S3", 2024, "open", 120.0, 500_000.0),
                     ("S1", 2025, "expand", 375.0, 1_500_000.0)]
    assert joint.evaluation.totals["total_cost"] == pytest.approx(5_129_000, abs=1)
    assert joint.evaluation.ok


def test_milestone_binds_in_its_year_and_not_before(joint):
    p24, p25 = joint.plans
    assert sum(p24.workers.values()) == 10  # the bands alone: 25/10k is not yet in force
    assert sum(p25.workers.values()) == 12  # 25 per 10k of 3,900 urban residents: 10 urban + C's 2
    rows = [r for r in joint.evaluation.compliance if r["rule"] == "workers_per_10k_urban"]
    assert [(r["year"], r["required"]) for r in rows] == [(2024, 0.0), (2025, 25.0)]


def test_carry_over_lets_the_first_years_money_wait():
    out = solve_scenario(TL, overrides={"budget.carry_over": True})
    assert out.evaluation.totals["total_cost"] == pytest.approx(5_102_000, abs=1)
    assert out.plans[0].areas == {}  # nothing built in 2024: all of it in 2025 with 3.0M to spend
    by_year = out.timeline_eval.by_year
    assert [r["capex_spent"] for r in by_year] == pytest.approx([0.0, 2_800_000.0])


def test_myopic_plan_is_the_hand_computed_one_and_costs_more(joint):
    scn = load_scenario(TL)
    from siteplan.pipeline import solver_settings

    name, opts = solver_settings(scn)
    plans, cost, how = myopic_plans(scn, name, opts)
    assert how == "greedy"
    assert cost == pytest.approx(5_194_000, abs=1)
    assert plans[0].assignment == {"A": None, "B": "S2", "C": "S3"}
    assert cost > joint.evaluation.totals["total_cost"]


def test_opening_is_monotone_and_assignment_kept(joint):
    for a, b in zip(joint.plans, joint.plans[1:]):
        assert set(a.areas) <= set(b.areas)
        assert all(b.areas[s] >= a.areas[s] for s in a.areas)
        assert all(b.assignment[c] == s for c, s in a.assignment.items() if s is not None)


def _tamper_and_check(joint, change) -> set[str]:
    import copy

    plans = copy.deepcopy(joint.plans)
    change(plans)
    ev = evaluate_timeline(joint.scenario, plans)
    return {(v["rule"], v.get("year")) for v in ev.violations}


def test_checker_catches_a_tampered_year(joint):
    def close_s3_in_2025(p):
        del p[1].areas["S3"]
        p[1].assignment["C"] = None

    def shrink_s1_in_2025(p):
        p[1].areas["S1"] = 60.0

    def overspend_2024(p):
        p[0].areas["S1"] = 300.0  # 0.5M + 1.2M + S3 0.5M = 2.2M > 1.5M

    def drop_workers_2025(p):
        p[1].workers["A"] = 4
        p[1].workers["B"] = 4

    assert ("open_keep", 2025) in _tamper_and_check(joint, close_s3_in_2025)
    assert ("floor_keep", 2025) in _tamper_and_check(joint, shrink_s1_in_2025)
    assert ("budget_capex_year", 2024) in _tamper_and_check(joint, overspend_2024)
    assert ("workers_per_10k_urban", 2025) in _tamper_and_check(joint, drop_workers_2025)
    assert _tamper_and_check(joint, lambda p: None) == set()


def test_cli_writes_the_yearly_tables_and_check_catches_a_tampered_plan_json(tmp_path, run_cli):
    out = tmp_path / "out"
    code, _stdout, err = run_cli("solve", TL, "--out", out, "--quiet", "--no-store")
    assert code == 0, err
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["timeline"]["years"] == [2024, 2025]
    assert [r["year"] for r in doc["timeline"]["totals_by_year"]] == [2024, 2025]
    assert all("year" in r for r in doc["compliance"])
    for name in ("schedule.csv", "totals_by_year.csv", "facilities_by_year.csv", "committees_by_year.csv"):
        assert (out / name).is_file()
    assert run_cli("check", out)[0] == 0
    # tamper 2025's workers: the checker re-derives the milestone from the yearly plan alone
    for c in doc["timeline"]["plans"][1]["committees"]:
        if c["committee_id"] in ("A", "B"):
            c["workers"] = 4
    (out / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run_cli("check", out)
    assert code == 6 and "workers_per_10k_urban" in err
