"""A point whose model is a restriction of a solved point's takes that answer without a solve
(`siteplan.analysis.sweep_reuse`): the sweep gives, at every point, what solving every point
gives, each reused plan passes the independent checker, and the record says where it came from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from siteplan.analysis.sweep import SweepRequest, parse_vary, run_sweep
from siteplan.analysis.sweep_reuse import is_restriction
from siteplan.generate import CityShape, write_city
from siteplan.instance import build_instance
from siteplan.pipeline import planning_model
from siteplan.runs.store import RunStore
from siteplan.scenario.load import load_scenario

pytest.importorskip("highspy")

EXACT = {"solver.mip_gap": 0, "solver.time_limit": 60, "solver.threads": 1}


def _points(db: Path, sweep_id: str) -> dict:
    out = {}
    with RunStore(db) as store:
        for key, p in store.sweep_points(sweep_id).items():
            doc = store.run_plan(p["id"]) or {}
            phases = (doc.get("solver") or {}).get("phases") or [{}]
            out[key] = {"status": p["status"], "objective": doc["solver"]["objective"],
                        "covered": p["totals"]["residents_covered"], "capex": p["totals"]["capex"],
                        "checked": doc["check"]["ok"] and not doc["check"]["violations"],
                        "from": (phases[0].get("extra") or {}).get("reused_from")}
    return out


def _sweep(city: Path, vary: str, overrides: dict, tmp: Path, shortcuts: bool) -> dict:
    db = tmp / f"s-{shortcuts}.sqlite"
    run = run_sweep(SweepRequest(city, [parse_vary(vary)], store_path=db, workers=1, overrides=overrides,
                                 shortcuts=shortcuts))
    assert run.failed == 0 and run.solved == len(parse_vary(vary).values)
    return _points(db, run.sweep_id)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    # 12 committees: every one is covered from about 17M CNY of capex on
    return write_city(tmp_path_factory.mktemp("c12") / "c", CityShape(12, 8, 1, 0.2, 1000))


@pytest.mark.parametrize("objective", ["max_coverage", "min_cost"])
def test_answers_taken_from_above_equal_solving_every_point(city, tmp_path, objective):
    vary = "budget.capex=2e6,6e6,2e7,3e7,4e7" if objective == "max_coverage" else "budget.capex=2e7,3e7,4e7"
    overrides = {**EXACT, "objective": objective}
    every = _sweep(city, vary, overrides, tmp_path, shortcuts=False)
    short = _sweep(city, vary, overrides, tmp_path, shortcuts=True)
    assert every.keys() == short.keys()
    for key, a in every.items():
        b = short[key]
        assert a["status"] == b["status"] == "optimal", key
        assert b["objective"] == pytest.approx(a["objective"], rel=1e-9), key
        assert b["covered"] == a["covered"], key
        assert b["checked"], key
        assert a["from"] is None
    budget = {k: json.loads(k)["budget.capex"] for k in short}
    top = max(short, key=budget.__getitem__)
    reused = {k for k, p in short.items() if p["from"]}
    # exactly the points whose budget the top point's plan fits were not solved
    fits = {k for k in short if k != top and short[top]["capex"] <= budget[k]}
    assert reused == fits and reused, (reused, fits)
    assert {short[k]["from"] for k in reused} == {"budget.capex=40000000"}


def test_restriction_is_tighter_rows_only_and_one_way(city):
    def model(capex):
        scn = load_scenario(city, {"objective": "max_coverage", "budget.capex": capex})
        return planning_model(scn, build_instance(scn))[0]

    low, high = model(6e6), model(4e7)
    assert is_restriction(low, high) and is_restriction(high, high)
    assert not is_restriction(high, low)  # a plan with slack at a lower budget says nothing about a higher one
    c = low.c.copy()
    c[np.flatnonzero(c)[0]] *= 2
    assert not is_restriction(low.replace(c=c), high)
    other = load_scenario(city, {"objective": "max_coverage", "budget.capex": 6e6, "reach.walk_m": 700})
    assert not is_restriction(planning_model(other, build_instance(other))[0], high)
