"""Cover cuts on the plots' knapsacks (siteplan.model.covers): they cut the LP, never a plan.

A cover row that removed an integer plan would make the MIP return a worse "optimum"; the
tests solve to a proven optimum with and without the rows, check every row against plans,
and check the rows do cut off the LP point they were separated from (else they test nothing).
"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from siteplan.backends import SolveOptions, solve
from siteplan.generate import CityShape, write_city
from siteplan.instance import build_instance
from siteplan.model.build import build_planning_model
from siteplan.model.covers import add_cover_cuts, plot_knapsacks, separate_covers
from siteplan.model.decode import plan_to_vector
from siteplan.pipeline import fix_workers, heuristic_start, lp_solver, solve_scenario
from siteplan.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """40 committees, 16 sites: small enough to prove the optimum in seconds, with full plots."""
    path = write_city(tmp_path_factory.mktemp("covers") / "city", CityShape(40, 16, seed=1, reach_m=1000))
    scn = load_scenario(path)
    inst = build_instance(scn)
    model, pm = build_planning_model(inst, scn.spec.objective, scn.standards.area_scope, None, None, scenario=scn)
    return path, fix_workers(scn, inst, model, pm), pm


def test_separation_on_a_hand_made_knapsack():
    """Three committees of 6 m² each, a 10 m² plot, each served 2/3 by the open site: any two
    overflow it, so x1 + x2 + x3 <= 1 * y (the cover of two, extended by the third)."""
    pm = types.SimpleNamespace(y=np.array([3]), x=np.array([0, 1, 2]))
    x = np.array([2 / 3, 2 / 3, 2 / 3, 1.0])
    knap = (np.zeros(3, dtype=np.int64), np.full(3, 6.0), np.array([10.0]))
    _, cols, vals, n = separate_covers(x, pm, knap)
    assert n == 1
    row = dict(zip(cols, vals))
    assert row == {0: 1.0, 1: 1.0, 2: 1.0, 3: -1.0}
    # a plot that takes all three has no cover
    assert separate_covers(x, pm, (knap[0], knap[1], np.array([18.0])))[3] == 0


def test_covers_cut_the_lp_and_keep_the_optimum(city):
    _, model, pm = city
    cut, info = add_cover_cuts(model, pm, lp_solver("highs"), rounds=5)
    assert info.rows > 0 and cut.n_rows == model.n_rows + info.rows
    block = cut.row_blocks["cover"]
    lp = solve(model.replace(integer=np.zeros_like(model.integer)), "highs", SolveOptions())
    assert lp.x is not None
    covers = cut.A[block]
    assert (covers @ lp.x > 1e-6).any(), "no cover row cuts off the first LP point"
    plain = solve(model, "highs", SolveOptions(mip_gap=0, time_limit=120))
    with_cuts = solve(cut, "highs", SolveOptions(mip_gap=0, time_limit=120))
    assert plain.status.value == with_cuts.status.value == "optimal"
    assert with_cuts.objective == pytest.approx(plain.objective, rel=1e-9)
    assert plain.x is not None
    assert (covers @ plain.x <= 1e-6).all(), "a cover row cuts off the optimal plan"


def test_every_cover_holds_at_the_heuristic_plan(city):
    """A second, non-optimal plan (the warm-start heuristic's): inside every plot and every cover."""
    path, model, pm = city
    scn = load_scenario(path)
    plan = heuristic_start(scn, pm.inst, model, pm, "highs", lambda msg: None, 60)
    assert plan is not None
    x = plan_to_vector(pm, model, plan)
    pair_s, need, cap = plot_knapsacks(model, pm)
    assert (np.bincount(pair_s, weights=need * x[pm.x], minlength=len(cap)) <= cap + 1e-6).all()
    cut, info = add_cover_cuts(model, pm, lp_solver("highs"), rounds=5)
    assert info.rows > 0
    assert (cut.A[cut.row_blocks["cover"]] @ x <= 1e-6).all()


def test_tiny_optimum_unchanged_with_cover_rounds():
    tiny = ROOT / "scenarios" / "tiny" / "tiny.yaml"
    plain = solve_scenario(tiny)
    cut = solve_scenario(tiny, overrides={"solver.cover_rounds": 5})
    assert cut.evaluation.ok
    assert cut.result.objective == pytest.approx(plain.result.objective, rel=1e-9)
