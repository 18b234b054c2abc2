"""An open facility has floor area (item 8); `explain --binding` compares like with like and
the sweep report never calls a rule that holds by construction binding (item 9).

Every city here is small enough to work out by hand; the numbers are in the tests' comments.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from tinycity import write_city

from siteplan.pipeline import solve_scenario
from siteplan.scenario.load import load_scenario
from siteplan.scenario.presets import PRESET_NAMES, load_preset, resolve_standards
from siteplan.scenario.schema import SITE_KINDS, Standards

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny" / "tiny.yaml"


# --- item 8: no open facility without floor area --------------------------------------------

@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_has_a_positive_minimum_for_every_site_kind_with_a_source(name):
    rule = load_preset(name).rule("min_facility_area_m2")
    assert rule["source"].strip()
    assert isinstance(rule["value"], dict) and set(rule["value"]) == set(SITE_KINDS)
    st = resolve_standards(load_preset(name), Standards())
    assert all(st.min_area[k] > 0 for k in SITE_KINDS), st.min_area
    if rule["kind"] == "default":  # no source document gives the number: say so
        assert rule["source"].startswith("siteplan default")


def _assert_every_open_facility_has_its_minimum(out):
    mins = out.scenario.standards.min_area
    assert out.evaluation.ok
    for f in out.evaluation.facilities:
        assert mins[f["kind"]] > 0
        assert f["area_m2"] > 0 and f["area_m2"] >= mins[f["kind"]] - 1e-6, f


@pytest.mark.parametrize("overrides", [
    {},
    {"standards.area_scope": "street"},
    # street scope with nothing to minimise but walking: S2 used to open with 0 m² for A
    {"standards.area_scope": "street", "objective": "min_distance"},
], ids=["tiny", "tiny-street", "tiny-street-min-distance"])
def test_tiny_plans_open_no_facility_below_its_kinds_minimum(overrides):
    _assert_every_open_facility_has_its_minimum(solve_scenario(TINY, overrides=overrides))


def test_street_scope_min_cost_opens_no_empty_facility(tmp_path):
    # one street: A is the cheap place for floor area but only C1 reaches it; B is the only
    # site C2 reaches. Counting area per street, all 600 m² used to go to A and B opened with
    # 0 m² to "serve" C2. B must now get at least the national minimum (50 m²).
    path = write_city(
        tmp_path,
        [("C1", "E", "urban", 0, 0, 1000, 2500), ("C2", "E", "urban", 3000, 0, 1000, 2500)],
        [("A", "E", 0, 100, "urban", 0, 1000, 0, 2000, 0),
         ("B", "E", 3000, 100, "urban", 0, 5000, 0, 2000, 0)],
        standards={"area_scope": "street"})
    out = solve_scenario(path)
    assert out.plan.assignment == {"C1": "A", "C2": "B"}
    _assert_every_open_facility_has_its_minimum(out)
    # 600 m² at A would do for the street; B's 50 m² floor (national siteplan default) is on top
    assert out.plan.areas == pytest.approx({"A": 550.0, "B": 50.0})


@pytest.mark.parametrize("value", [0, {"urban": 0}, {"centre": 0.0}])
def test_a_scenario_minimum_of_zero_warns(tmp_path, value):
    path = write_city(tmp_path, [("C1", "E", "urban", 0, 0, 1000, 2500)],
                      [("A", "E", 0, 100, "urban", 0, 1000, 0, 2000, 0)],
                      standards={"min_facility_area_m2": value})
    with pytest.warns(UserWarning, match="min_facility_area_m2"):
        load_scenario(path)


def test_a_positive_minimum_does_not_warn(tmp_path, recwarn):
    path = write_city(tmp_path, [("C1", "E", "urban", 0, 0, 1000, 2500)],
                      [("A", "E", 0, 100, "urban", 0, 1000, 0, 2000, 0)],
                      standards={"min_facility_area_m2": {"urban": 300}})
    load_scenario(path)
    assert not [w for w in recwarn if "min_facility_area_m2" in str(w.message)]


def test_the_cli_prints_the_zero_minimum_warning_on_stderr_only(tmp_path, run_cli):
    code, out, err = run_cli("solve", TINY, "--out", tmp_path / "o", "--no-store",
                             "--set", "standards.min_facility_area_m2=0")
    assert code == 0, err
    assert "warning:" in err and "min_facility_area_m2" in err
    assert "warning" not in out


def test_the_checker_flags_an_open_facility_below_its_minimum():
    from siteplan.plan import Plan, evaluate

    scn = load_scenario(TINY, {"preset": "panzhihua"})  # stations >= 400 m²
    plan = Plan(areas={"S1": 450.0, "S3": 120.0}, windows={"S1": 1, "S3": 1},
                assignment={"A": "S1", "B": "S1", "C": "S3"}, workers={"A": 4, "B": 4, "C": 2})
    ev = evaluate(scn, plan)
    assert {(v["rule"], v["scope"]) for v in ev.violations} == {
        ("min_facility_area_m2", "facility:S3"), ("min_facility_area_m2", "all 2 facilities")}


# --- item 9: explain --binding compares like with like ----------------------------------------

def _slack_budget_city(folder: Path, capex: float) -> Path:
    # one committee needing 300 m² (1,000 households at 30 m²/100). A: 1,000 CNY/m² to build
    # and 1,000 a year to run (0.3M + 5 x 0.3M = 1.8M); B: 4,000 CNY/m², nothing to run (1.2M).
    # Workers: 2,500 urban residents x 18/10k = 4.5 -> 5, the same in every plan (2.5M).
    return write_city(folder, [("C1", "E", "urban", 0, 0, 1000, 2500)],
                      [("A", "E", 0, 100, "urban", 0, 1000, 1000, 2000, 0),
                       ("B", "E", 0, -100, "urban", 0, 4000, 0, 2000, 0)],
                      budget={"capex": capex})


def test_a_budget_the_plan_uses_little_of_is_not_tight(tmp_path):
    from siteplan.analysis.binding import binding_report

    # capex 1.0M: B (1.2M) is out of reach, the plan builds A for 0.3M (30% of the budget).
    # +1M lets B in and saves 0.6M: a real effect, but the plan is far from the budget.
    rep = binding_report(_slack_budget_city(tmp_path, 1.0e6))
    assert rep.base_totals["capex"] == pytest.approx(0.3e6, abs=1)
    row = next(r for r in rep.rows if r.key == "budget.capex")
    assert row.delta_total == pytest.approx(-0.6e6, abs=1)
    assert row.tight is False
    assert "saves 0.60M CNY" in row.text and "tight" not in row.text.replace("not tight", "")


def test_a_fully_used_budget_that_relaxing_does_not_improve_is_not_tight(tmp_path):
    from siteplan.analysis.binding import binding_report

    # capex 1.2M: B fits exactly (100% used) and is the optimum; +1M cannot improve on it, so
    # the budget is on its limit but does not bind
    rep = binding_report(_slack_budget_city(tmp_path, 1.2e6))
    row = next(r for r in rep.rows if r.key == "budget.capex")
    assert rep.base_totals["capex"] == pytest.approx(1.2e6, abs=1)
    assert row.tight is False and "no measurable effect" in row.text


def _suboptimal_tiny(tmp_path):
    """Tiny's plan as a solver that stopped within a 1% gap could have left it: A and B at S2
    (8.36M) instead of S1 (8.31M). The solve's bound stays at the optimum 8.31M, so the plan's
    gap is 50,000 CNY."""
    from siteplan.plan import Plan, evaluate

    out = solve_scenario(TINY)
    plan = Plan(areas={"S2": 450.0, "S3": 120.0}, windows={},
                assignment={"A": "S2", "B": "S2", "C": "S3"}, workers={"A": 4, "B": 4, "C": 2})
    ev = evaluate(out.scenario, plan)
    assert ev.ok and ev.totals["total_cost"] == pytest.approx(8_360_000, abs=1)
    obj = ev.totals["total_cost"]  # the model's objective is the total cost (offset included)
    res = dataclasses.replace(out.result, objective=obj, gap=50_000 / 8_360_000)
    phases = [dict(out.phases[0], objective=obj)]
    return dataclasses.replace(out, plan=plan, evaluation=ev, result=res, phases=phases)


def test_binding_base_is_the_plan(tmp_path):
    from siteplan.analysis.binding import binding_report
    from siteplan.report.outputs import write_outputs

    sub = _suboptimal_tiny(tmp_path)
    folder = write_outputs(sub, tmp_path / "out")
    plan_total = json.loads((folder / "plan.json").read_text(encoding="utf-8"))["totals"]["total_cost"]
    for source in (sub, folder):
        rep = binding_report(source)
        assert rep.base_totals["total_cost"] == pytest.approx(plan_total, rel=1e-6)


def test_a_change_within_the_solvers_gap_is_no_measurable_effect(tmp_path):
    from siteplan.analysis.binding import binding_report

    # +1 m² per 100 households: the optimum becomes S1 465 m² + S3 124 m² = 8.397M, 37,000
    # above the 8.36M plan: less than the plan's 50,000 gap, so not a measured cost.
    # +100 m reach: the re-solve finds the 8.31M optimum, 50,000 below the plan: again only
    # the plan's own gap, not an effect of the reach.
    rep = binding_report(_suboptimal_tiny(tmp_path))
    area = next(r for r in rep.rows if r.key == "area_per_100_households")
    assert area.delta_total == pytest.approx(37_000, abs=1)
    assert "no measurable effect" in area.text and "costs" not in area.text
    reach = next(r for r in rep.rows if r.key == "reach.walk_m")
    assert "no measurable effect" in reach.text and "saves" not in reach.text


def test_the_cli_binding_on_a_solved_folder_reports_the_plans_total(tmp_path, run_cli):
    from siteplan.report.outputs import write_outputs

    folder = write_outputs(_suboptimal_tiny(tmp_path), tmp_path / "out")
    code, out, err = run_cli("explain", "--binding", folder)
    assert code == 0, err
    assert "8.36M CNY" in out.splitlines()[0]
    doc = json.loads((folder / "binding.json").read_text(encoding="utf-8"))
    assert doc["base_totals"]["total_cost"] == pytest.approx(8_360_000, rel=1e-6)


def test_walking_reach_is_structural_in_the_binding_report():
    from siteplan.analysis.binding import binding_report

    rep = binding_report(solve_scenario(TINY))
    reach = next(r for r in rep.rows if r.key == "reach.walk_m")
    assert reach.structural and reach.tight is None


def test_the_sweep_report_never_lists_walking_reach_as_binding():
    from siteplan.analysis.sweep_report import binding_rows

    # reach 400 m: A and B walk exactly 400 m to S1, so the worst distance / reach is 1.0
    points = []
    for i, reach in enumerate((400, 450)):
        out = solve_scenario(TINY, overrides={"reach.walk_m": reach})
        points.append({"id": i + 1, "status": out.status, "point": {"reach.walk_m": reach},
                       "compliance": out.evaluation.compliance})
    rows = {r["rule"]: r for r in binding_rows(points, tol=0.01)}
    walk = rows["walking_reach"]
    assert walk["structural"] is True
    assert walk["points_binding"] == 0 and walk["first_binds_at"] in (None, "n/a")
