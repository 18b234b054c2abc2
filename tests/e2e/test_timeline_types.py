"""Two years, two facility types (scenarios/tiny/tiny_timeline_types.yaml, optimum worked out there)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from siteplan.pipeline import solve_scenario
from siteplan.timeline.check import evaluate_timeline
from siteplan.timeline.model import build_timeline_model

TL = Path(__file__).resolve().parents[2] / "scenarios" / "tiny" / "tiny_timeline_types.yaml"
EC = "elderly_care"


@pytest.fixture(scope="module")
def joint():
    return solve_scenario(TL)


def test_joint_optimum_equals_hand_computation(joint):
    assert joint.result.status.value == "optimal"
    assert joint.model.user_objective(joint.result.objective) == pytest.approx(6_842_000, abs=1)
    assert joint.evaluation.totals["total_cost"] == pytest.approx(6_842_000, abs=1)
    p24, p25 = joint.plans
    assert p24.areas == pytest.approx({"S1": 450.0})
    assert p24.type_areas[EC] == pytest.approx({"S1": 300.0})
    assert p24.type_assignment[EC] == {"A": "S1", "B": "S1", "C": None}  # C may wait for 2025
    assert p25.areas == pytest.approx({"S1": 450.0, "S3": 120.0})
    assert p25.type_areas[EC] == pytest.approx({"S1": 300.0, "S3": 50.0})
    assert p25.type_assignment[EC] == {"A": "S1", "B": "S1", "C": "S3"}
    sched = [(r["site_id"], r["year"], r["type"], r["action"], r["capex"]) for r in joint.timeline_eval.schedule]
    assert sched == [("S1", 2024, "service", "open", 2_300_000.0), ("S1", 2024, EC, "open", 1_400_000.0),
                     ("S3", 2025, "service", "open", 500_000.0), ("S3", 2025, EC, "open", 325_000.0)]
    assert joint.evaluation.ok


def test_opening_is_monotone_per_type(joint):
    for a, b in zip(joint.plans, joint.plans[1:]):
        for t in (EC,):
            assert set(a.type_areas[t]) <= set(b.type_areas[t])
            assert all(b.type_areas[t][s] >= a.type_areas[t][s] - 1e-6 for s in a.type_areas[t])
            assert all(b.type_assignment[t][c] == s for c, s in a.type_assignment[t].items() if s is not None)


def test_co_location_saving_is_taken_once_per_plot(joint):
    tev = joint.timeline_eval
    assert [r["capex_spent"] for r in tev.by_year] == pytest.approx([3_700_000.0, 825_000.0])
    assert joint.evaluation.totals["co_location_saving"] == pytest.approx(200_000.0)  # S1 and S3, once each
    assert sum(r["capex"] for r in tev.schedule) == pytest.approx(4_525_000.0)
    # the model may not drop S1's saving in a year to move money between the years' budgets
    model, _ = build_timeline_model(joint.scenario)
    assert any(name.startswith("colo_exact:") for name in model.row_blocks)


def _violations(joint, change) -> set:
    plans = copy.deepcopy(joint.plans)
    change(plans)
    ev = evaluate_timeline(joint.scenario, plans)
    return {(v["rule"], v.get("year")) for v in ev.violations}


def test_checker_catches_a_tampered_year_of_a_type(joint):
    def close_s1_care_in_2025(p):
        del p[1].type_areas[EC]["S1"]

    def shrink_s1_care_in_2025(p):
        p[1].type_areas[EC]["S1"] = 250.0

    def move_a_in_2025(p):
        p[1].type_assignment[EC]["A"] = "S3"

    def leave_a_waiting_in_2024(p):
        p[0].type_assignment[EC]["A"] = None  # the 2024 milestone: every urban committee served

    assert ("type_open_keep", 2025) in _violations(joint, close_s1_care_in_2025)
    assert ("type_area_keep", 2025) in _violations(joint, shrink_s1_care_in_2025)
    assert ("type_assign_keep", 2025) in _violations(joint, move_a_in_2025)
    assert ("type_coverage_milestone", 2024) in _violations(joint, leave_a_waiting_in_2024)
    assert _violations(joint, lambda p: None) == set()


def test_cli_check_reads_the_yearly_types_back(tmp_path, run_cli):
    out = tmp_path / "out"
    code, _stdout, err = run_cli("solve", TL, "--out", out, "--quiet", "--no-store")
    assert code == 0, err
    assert run_cli("check", out)[0] == 0
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    first = doc["timeline"]["plans"][0]
    assert {(f["site_id"], f["type"]) for f in first["type_facilities"]} == {("S1", EC)}
    for f in doc["timeline"]["plans"][1]["type_facilities"]:  # 2025's care station at S1 shrinks
        if f["site_id"] == "S1":
            f["area_m2"] = 250.0
    (out / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run_cli("check", out)
    assert code != 0


def test_the_coverage_milestone_binds_the_types_in_its_year_and_not_before():
    # Without the 2024 milestone no committee need be served in 2024, and none is. 2025 cannot
    # build all 4.525M alone (4M a year), so 2024 spends at least 525k at the least opex: S1's
    # service facility at its 50 m² minimum (700k, opex 10k; S3's service and care at 50 m²
    # each, 650k and opex 10k, tie). Total 4.525M + 2024 (1.00M + 10k) + 2025 1.167M = 6.702M.
    out = solve_scenario(TL, overrides={"standards.coverage": {2025: {"urban": 1.0, "rural": 1.0}}})
    p24, p25 = out.plans
    assert set(p24.type_assignment[EC].values()) == {None} and set(p24.assignment.values()) == {None}
    assert p25.type_areas[EC] == pytest.approx({"S1": 300.0, "S3": 50.0})
    assert out.evaluation.totals["total_cost"] == pytest.approx(6_702_000, abs=1)
    assert out.timeline_eval.by_year[0]["capex_spent"] >= 525_000 - 1
    assert out.evaluation.ok


def test_reassign_keeps_each_type_served_and_the_same_optimum(joint):
    out = solve_scenario(TL, overrides={"timeline.reassign": True})
    assert out.evaluation.totals["total_cost"] == pytest.approx(6_842_000, abs=1)
    assert out.evaluation.ok
