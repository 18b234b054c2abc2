"""Limits are data, never exceptions; common options and `extra` reach the solver."""

from __future__ import annotations

import time

import numpy as np
import pytest
from backend_battery import knapsack, market_split

from siteplan.backends import SolveOptions, solve
from siteplan.errors import SolverError
from siteplan.result import Termination


def test_time_limit_returns_best_plan(backend):
    """Market split does not finish in 1 s on any backend: a plan or none, limit 'time'."""
    model = market_split()
    t0 = time.perf_counter()
    res = solve(model, backend, SolveOptions(time_limit=1.0, isolation="process", threads=1))
    wall = time.perf_counter() - t0
    assert res.status in (Termination.FEASIBLE, Termination.NO_SOLUTION_FOUND), res.message
    assert res.limit == "time", res.message
    assert res.isolation == "process"
    assert wall < 20
    if res.status == Termination.FEASIBLE:
        assert model.violation(res.x) == 0.0
        assert res.objective == pytest.approx(model.objective_value(res.x))
        if res.bound is not None:
            assert res.bound <= res.objective + 1e-6


EXTRAS = {
    "highs": {"presolve": "off"},
    "pulp-cbc": {"cuts": "off"},
    "ortools-scip": {"limits/nodes": 1000, "presolving/maxrounds": 0},
    "ortools-cpsat": {"num_workers": 1, "linearization_level": 2},
    "scip": {"limits/nodes": 1000, "presolving/maxrounds": 0},
    "race": {"highs": {"presolve": "off"}, "scip": {"limits/nodes": 1000}},
    "adaptive": {"presolve": "off"},  # options keep it on HiGHS
}


def test_extra_passes_through(backend):
    res = solve(knapsack(), backend, SolveOptions(mip_gap=0.0, abs_gap=0.0,
                                                  threads=1, seed=3, extra=EXTRAS[backend]))
    assert res.status == Termination.OPTIMAL, res.message
    assert res.objective == pytest.approx(-27.0)


def test_unknown_extra_is_an_error_not_silence(backend):
    """Raised whatever the isolation (test_contract.py checks the error's exact shape)."""
    with pytest.raises(SolverError, match="no_such_option_xyz"):
        solve(knapsack(), backend, SolveOptions(extra={"no_such_option_xyz": 1}))


def test_warm_start_flag_is_declared(backend):
    from siteplan.backends.registry import get_backend

    assert isinstance(get_backend(backend).supports_warm_start, bool)
    model = knapsack()
    model = model.replace(warm_start=np.array([1, 1, 0, 0, 0, 1], dtype=float))
    res = solve(model, backend, SolveOptions())
    assert res.status == Termination.OPTIMAL and res.objective == pytest.approx(-27.0)


@pytest.mark.parametrize("name", ["highs", "pulp-cbc", "scip"])
def test_warm_start_reaches_the_solver(name):
    """Where the solver tells us, check it read the start (a format slip once made CBC skip it)."""
    from backend_support import require_or_skip

    require_or_skip(name)
    model = knapsack()
    model = model.replace(warm_start=np.array([1, 1, 0, 0, 0, 1], dtype=float))
    res = solve(model, name, SolveOptions())
    assert res.extra.get("warm_start") == "accepted", res.extra


def test_gap_stop_counts_as_optimal_with_its_gap(backend):
    """Stopping at the requested mip_gap is OPTIMAL (siteplan's convention), with an honest gap."""
    from backend_battery import big_knapsack

    model = big_knapsack()
    res = solve(model, backend, SolveOptions(mip_gap=0.05, time_limit=20))
    assert res.status == Termination.OPTIMAL, res.message
    assert model.violation(res.x) == 0.0
    assert res.bound is not None and res.bound <= res.objective + 1e-6
    assert res.gap is not None and res.gap <= 0.05 + 1e-9
