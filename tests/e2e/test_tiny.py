"""The tiny district, whose optimum is worked out by hand in scenarios/tiny/tiny.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siteplan.pipeline import solve_scenario
from siteplan.report.outputs import write_outputs

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"


def test_min_cost_optimum_equals_hand_computation():
    out = solve_scenario(TINY / "tiny.yaml")
    # A+B at S1: 500k + 4000*450 + 5*200*450 = 2.75M; C at S3: 200k + 2500*120 + 5*100*120 = 0.56M;
    # workers: 8 urban (7.02 needed) + 2 rural = 10, 10 * 100k * 5 = 5.00M
    assert out.result.status.value == "optimal"
    assert out.model.user_objective(out.result.objective) == pytest.approx(8_310_000, abs=1)
    assert out.plan.areas == pytest.approx({"S1": 450.0, "S3": 120.0})
    assert out.plan.assignment == {"A": "S1", "B": "S1", "C": "S3"}
    assert out.plan.workers == {"A": 4, "B": 4, "C": 2}
    assert out.evaluation.totals["total_cost"] == pytest.approx(8_310_000, abs=1)
    assert out.evaluation.ok


def test_max_coverage_buys_the_most_residents_then_the_cheapest_plan():
    # 2.5M capex: A+B at S1 (2.3M) covers 3,900; any plan with C covers at most 3,800
    out = solve_scenario(TINY / "tiny.yaml", overrides={"objective": "max_coverage", "budget.capex": 2.5e6})
    t = out.evaluation.totals
    assert t["residents_covered"] == 3900
    assert set(out.plan.areas) == {"S1"}  # S2 covers the same for 2.35M: the cost tie-break picks S1
    assert t["capex"] == pytest.approx(2_300_000, abs=1)
    rural = next(r for r in out.evaluation.compliance if r["rule"] == "coverage" and r["scope"] == "city:rural")
    assert rural["ok"] is False and rural["enforced"] is False  # reported, not a check failure


def test_min_distance_serves_each_committee_from_its_nearest_site():
    out = solve_scenario(TINY / "tiny.yaml", overrides={"objective": "min_distance"})
    assert out.plan.assignment == {"A": "S2", "B": "S1", "C": "S3"}
    # 2600*300 + 1300*400 + 1200*200
    assert out.model.user_objective(out.result.objective) == pytest.approx(1_540_000, rel=1e-6)


def test_panzhihua_windows_are_staffed_n_plus_one():
    out = solve_scenario(TINY / "tiny.yaml", overrides={"preset": "panzhihua"})
    # stations >= 400 m2: S1 serves A+B (450 m2), S3 must be 400 m2 for C's 120 m2 need
    assert out.plan.areas["S3"] == pytest.approx(400.0)
    assert out.plan.windows == {"S1": 1, "S3": 1}  # 3,900 and 1,200 residents, one window each
    facilities = {f["site_id"]: f for f in out.evaluation.facilities}
    assert facilities["S1"]["staff"] == 2 and facilities["S3"]["staff"] == 2
    assert out.evaluation.totals["window_staff"] == 4


def test_written_plan_passes_check_and_tampering_is_caught(tmp_path, run_cli):
    out_dir = write_outputs(solve_scenario(TINY / "tiny.yaml"), tmp_path / "out")
    code, stdout, _ = run_cli("check", out_dir)
    assert code == 0 and "check passed" in stdout

    doc = json.loads((out_dir / "plan.json").read_text())
    # one worker removed from a committee at its band minimum: the band rule must fail
    a = next(c for c in doc["committees"] if c["committee_id"] == "A")
    a["workers"] -= 1
    (out_dir / "plan.json").write_text(json.dumps(doc))
    code, stdout, err = run_cli("check", out_dir)
    assert code == 6 and "committee_workers" in err and "Traceback" not in err

    # restore, then move committee C to a site 3 km away: the reach rule must fail
    a["workers"] += 1
    c = next(c for c in doc["committees"] if c["committee_id"] == "C")
    c["site_id"] = "S1"
    (out_dir / "plan.json").write_text(json.dumps(doc))
    code, _, err = run_cli("check", out_dir)
    assert code == 6 and "walking_reach" in err


def test_check_catches_a_stated_cost_that_the_plan_does_not_produce(tmp_path, run_cli):
    out_dir = write_outputs(solve_scenario(TINY / "tiny.yaml"), tmp_path / "out")
    doc = json.loads((out_dir / "plan.json").read_text())
    doc["totals"]["capex"] -= 100_000
    (out_dir / "plan.json").write_text(json.dumps(doc))
    code, _, err = run_cli("check", out_dir)
    assert code == 6 and "stated_totals" in err


def test_haversine_and_matrix_distances_give_the_same_plan(tiny_dir):
    import math

    import pandas as pd

    # place the tiny district near Panzhihua (lon 101.7, lat 26.6) with the same metre offsets
    lat0, lon0 = 26.6, 101.7
    m_per_deg_lat = 6_371_008.8 * math.pi / 180
    for name in ("committees", "sites"):
        df = pd.read_csv(tiny_dir / f"{name}.csv")
        df["lat"] = lat0 + df["y"] / m_per_deg_lat
        df["lon"] = lon0 + df["x"] / (m_per_deg_lat * math.cos(math.radians(lat0)))
        df.drop(columns=["x", "y"]).to_csv(tiny_dir / f"{name}.csv", index=False)
    out = solve_scenario(tiny_dir / "tiny.yaml", overrides={"distance": "haversine"})
    assert out.model.user_objective(out.result.objective) == pytest.approx(8_310_000, abs=1)

    rows = [("A", "S1", 400), ("B", "S1", 400), ("A", "S2", 300), ("B", "S2", 854.4), ("C", "S3", 200)]
    pd.DataFrame(rows, columns=["committee", "site", "metres"]).to_csv(tiny_dir / "d.csv", index=False)
    out = solve_scenario(tiny_dir / "tiny.yaml",
                         overrides={"distance": "matrix", "data.distances": str(tiny_dir / "d.csv")})
    assert out.model.user_objective(out.result.objective) == pytest.approx(8_310_000, abs=1)


@pytest.mark.parametrize("route", ["highs", "pulp-cbc", "ortools-scip", "ortools-cpsat", "scip"])
def test_every_backend_finds_the_hand_optimum_through_the_cli(route, tmp_path, run_cli):
    code, _, err = run_cli("solve", TINY / "tiny.yaml", "--out", tmp_path / "o", "--solver", route,
                                "--no-store", "--quiet")
    assert code == 0, err
    doc = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert doc["solver"]["backend"] == route and doc["check"]["ok"]
    assert doc["totals"]["total_cost"] == pytest.approx(8_310_000, abs=1)


def test_outputs_are_readable_by_others_as_the_umask_allows(tmp_path):
    import os
    import stat

    out_dir = write_outputs(solve_scenario(TINY / "tiny.yaml"), tmp_path / "out")
    mask = os.umask(0)
    os.umask(mask)
    for name in ("plan.json", "facilities.csv", "scenario.resolved.yaml", "inputs/sites.csv"):
        assert stat.S_IMODE((out_dir / name).stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600


def test_max_coverage_is_not_proven_when_its_coverage_phase_stopped(monkeypatch):
    """The least-cost phase may prove its optimum while the coverage phase stopped at a limit:
    the plan's status is then 'feasible' with that limit, never 'optimal'."""
    from siteplan import pipeline
    from siteplan.result import Termination

    real, calls = pipeline._run, []

    def first_phase_stops(*args, **kwargs):
        res = real(*args, **kwargs)
        calls.append(res.status)
        if len(calls) == 1:  # as if the coverage phase ran out of time with this incumbent
            res.status, res.limit = Termination.FEASIBLE, "time"
        return res

    monkeypatch.setattr(pipeline, "_run", first_phase_stops)
    out = solve_scenario(TINY / "tiny.yaml", overrides={"objective": "max_coverage", "budget.capex": 2.5e6})
    assert calls == [Termination.OPTIMAL, Termination.OPTIMAL]  # both phases really were proven
    assert out.result.status == Termination.FEASIBLE and out.result.limit == "time"
    assert "coverage phase stopped" in out.result.message
    assert out.evaluation.ok and out.evaluation.totals["residents_covered"] == 3900
