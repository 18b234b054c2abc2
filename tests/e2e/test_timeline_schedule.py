"""Final state first (siteplan.timeline.schedule): the best schedule of a given final network.

On the tiny two-year districts the optimal last-year network, scheduled, is the hand-worked
optimum (scenarios/tiny/tiny_timeline*.yaml: 5.129M and 6.842M), and whatever final network
the heuristic finds, its schedule is a timeline plan the independent checker passes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siteplan.pipeline import solve_scenario
from siteplan.scenario.load import load_scenario
from siteplan.timeline.check import evaluate_timeline
from siteplan.timeline.model import build_timeline_model
from siteplan.timeline.schedule import restricted_to, scheduled_start
from siteplan.timeline.solve import decode_years
from siteplan.timeline.start import final_network, sole_plot_needs

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
OPTIMA = {"tiny_timeline.yaml": 5_129_000, "tiny_timeline_types.yaml": 6_842_000}


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_the_optimal_final_network_scheduled_is_the_hand_optimum(name):
    scn = load_scenario(TINY / name)
    final = solve_scenario(TINY / name).plans[-1]
    model, tm = build_timeline_model(scn)
    x = scheduled_start(tm, model, final, "highs", lambda m: None, 10.0)
    assert x is not None
    assert model.user_objective(float(model.c @ x) + model.offset) == pytest.approx(OPTIMA[name], abs=1)
    tev = evaluate_timeline(scn, decode_years(tm, x))
    assert tev.ok, tev.violations[:1]
    assert tev.totals["total_cost"] == pytest.approx(OPTIMA[name], abs=1)


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_the_heuristic_final_network_gives_a_checked_plan(name):
    scn = load_scenario(TINY / name)
    model, tm = build_timeline_model(scn)
    final = final_network(tm, "highs", lambda m: None, 10.0)
    assert final is not None
    x = scheduled_start(tm, model, final, "highs", lambda m: None, 10.0)
    assert x is not None
    plans = decode_years(tm, x)
    assert evaluate_timeline(scn, plans).ok
    # the last year is the final network: the same sites stand, at least as large
    assert set(plans[-1].areas) == set(final.areas)
    assert plans[-1].assignment == final.assignment


def test_only_the_last_years_decisions_are_fixed():
    scn = load_scenario(TINY / "tiny_timeline_types.yaml")
    model, tm = build_timeline_model(scn)
    last = len(tm.years) - 1
    pm, m = tm.pms[last], tm.models[last]
    fixed = restricted_to(tm, model, np.ones(m.n_vars))
    ints = tm.cols(last, np.setdiff1d(np.flatnonzero(m.integer), pm.w))
    assert np.array_equal(fixed.lb[ints], fixed.ub[ints])
    free = np.ones(model.n_vars, dtype=bool)
    free[ints] = False
    assert np.array_equal(fixed.lb[free], model.lb[free]) and np.array_equal(fixed.ub[free], model.ub[free])


def test_room_is_kept_on_a_committees_only_plot_for_its_type():
    scn = load_scenario(TINY / "tiny_timeline_types.yaml")
    _, tm = build_timeline_model(scn)
    inst, blocks = tm.insts[-1], tm.pms[-1].data["facility_types"]
    kept = sole_plot_needs(inst, blocks)
    want = np.zeros(inst.n_sites)
    for b in blocks:
        for c in range(inst.n_committees):
            plots = b.sites[b.pp[b.pc == c]]
            if len(plots) == 1:
                want[plots[0]] += max(b.need[c], b.t.min_area)
    assert want.any() and np.allclose(kept, want)
