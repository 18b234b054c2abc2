"""A sweep solved in kept solver instances gives what the rebuild-every-point sweep gives:
the same status, objective, totals and rule verdicts at every point, through the same
independent check and the same run store."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteplan.analysis.sweep import SweepRequest, parse_vary, run_sweep
from siteplan.generate import CityShape, write_city
from siteplan.runs.store import RunStore

pytest.importorskip("highspy")

ROOT = Path(__file__).resolve().parents[2]
#: on HiGHS, whose kept instances are the subject (the default route sends these small budgets'
#: coverage phases to SCIP, which keeps none)
MAXCOV = {"objective": "max_coverage", "solver.backend": "highs", "solver.mip_gap": 0, "solver.time_limit": 60,
          "solver.threads": 1}


def _points(db: Path, sweep_id: str) -> dict:
    """Per point: status, objective, totals, the verdict of every rule, and how each solver
    phase got its model (built or kept)."""
    out = {}
    with RunStore(db) as store:
        for key, p in store.sweep_points(sweep_id).items():
            doc = store.run_plan(p["id"]) or {}
            solver = doc.get("solver") or {}
            out[key] = {
                "status": p["status"], "objective": solver.get("objective"),
                "totals": {k: p["totals"][k] for k in ("capex", "residents_covered", "sites_open")},
                "verdicts": [(r["rule"], r["scope"], r["status"]) for r in p["compliance"]],
                "reuse": [(ph.get("extra") or {}).get("model_reuse") for ph in solver.get("phases", [])],
            }
    return out


def _both_ways(scenario: Path, vary: str, overrides: dict, tmp: Path) -> tuple[dict, dict]:
    got = []
    for reuse in (False, True):
        db = tmp / f"r-{reuse}.sqlite"
        run = run_sweep(SweepRequest(scenario, [parse_vary(vary)], store_path=db, workers=1,
                                     overrides=overrides, reuse=reuse, shortcuts=False))
        assert run.failed == 0 and run.solved == len(parse_vary(vary).values)
        got.append(_points(db, run.sweep_id))
    return got[0], got[1]


def _same(rebuilt: dict, kept: dict) -> None:
    assert rebuilt.keys() == kept.keys()
    for key, a in rebuilt.items():
        b = kept[key]
        assert a["status"] == b["status"] == "optimal", key
        assert b["objective"] == pytest.approx(a["objective"], rel=1e-9), key
        assert b["totals"]["residents_covered"] == a["totals"]["residents_covered"], key
        assert b["totals"]["capex"] == pytest.approx(a["totals"]["capex"], rel=1e-6, abs=1.0), key
        assert b["verdicts"] == a["verdicts"], key


def test_max_coverage_budget_sweep_same_both_ways(tmp_path):
    city = write_city(tmp_path / "c24", CityShape(24, 12, 1, 0.2, 1000))
    rebuilt, kept = _both_ways(city, "budget.capex=0:3e6:4", MAXCOV, tmp_path)
    _same(rebuilt, kept)
    assert len({p["totals"]["residents_covered"] for p in kept.values()}) > 1  # the budget row binds
    assert all(p["reuse"] == [None, None] for p in rebuilt.values())
    # both phases of every point after the first re-solved in the kept instances
    assert sorted(p["reuse"] for p in kept.values()) == [["built", "built"]] + [["kept", "kept"]] * 3


def test_min_cost_budget_sweep_same_both_ways(tmp_path):
    """min_cost: the LP relaxation behind the first plan and the MIP each keep an instance."""
    scn = ROOT / "scenarios" / "tiny" / "tiny.yaml"
    rebuilt, kept = _both_ways(scn, "budget.capex=3.0e6:5.0e6:3", {"solver.threads": 1}, tmp_path)
    _same(rebuilt, kept)
    assert [p["reuse"] for p in kept.values()][1:] == [["kept"]] * 2


def test_rebuild_flag_turns_kept_instances_off(tmp_path):
    from siteplan.cli import main

    scn = ROOT / "scenarios" / "tiny" / "tiny.yaml"
    marks = {}
    for flag in ([], ["--rebuild"]):
        db = tmp_path / f"r{len(flag)}.sqlite"
        args = ["sweep", str(scn), "--vary", "budget.capex=3e6,4e6", "--store", str(db), "--workers", "1",
                "--out", str(tmp_path / f"out{len(flag)}"), "--quiet", "--solve-all"]
        assert main(args + flag) == 0
        with RunStore(db) as store:
            (sid,) = {p["sweep_id"] for p in store.conn.execute("SELECT sweep_id FROM runs")}
        marks[bool(flag)] = sorted(tuple(p["reuse"]) for p in _points(db, sid).values())
    assert marks == {False: [("built",), ("kept",)], True: [(None,), (None,)]}
