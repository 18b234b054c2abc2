"""The conformance battery: tiny models with known optima, replayed on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from backend_battery import cases
from backend_support import battery_results

from siteplan.result import Termination

CASES = {c.name: c for c in cases()}
TOL = 1e-6


def expected_status(backend: str, case) -> set[Termination]:
    """CP-SAT grids continuous variables, so it may only claim FEASIBLE (see ortools_mp)."""
    if (backend == "ortools-cpsat" and case.status == Termination.OPTIMAL
            and (~case.model.integer).any() and case.model.integer.any()):
        return {Termination.FEASIBLE}
    return {case.status}


@pytest.mark.parametrize("case_name", list(CASES))
def test_battery(backend, case_name, tmp_path_factory):
    case = CASES[case_name]
    res, _seconds = battery_results(backend, tmp_path_factory.getbasetemp())[case_name]
    assert res.status in expected_status(backend, case), res.message
    assert res.backend == backend
    assert res.backend_version
    assert res.build_seconds >= 0 and res.solve_seconds >= 0
    if not res.status.has_solution:
        assert res.x is None and res.objective is None
        return
    assert res.x is not None and res.x.shape == (case.model.n_vars,)
    assert case.model.violation(res.x, 1e-7) == 0.0, "returned plan violates the model"
    assert res.objective == pytest.approx(case.model.objective_value(res.x), abs=TOL)
    if res.status == Termination.OPTIMAL:
        assert res.objective == pytest.approx(case.objective, abs=TOL * max(1, abs(case.objective)))
        assert res.limit is None
    else:  # FEASIBLE: a plan no better than the optimum, and an honest limit
        assert res.objective >= case.objective - TOL
        assert res.limit is not None
    if res.bound is not None:
        assert res.bound <= res.objective + TOL * max(1, abs(res.objective))
    if res.gap is not None:
        assert res.gap >= 0


def test_user_sense(backend, tmp_path_factory):
    """A maximisation is solved negated; `user_objective` turns it back."""
    res, _ = battery_results(backend, tmp_path_factory.getbasetemp())["knapsack"]
    assert CASES["knapsack"].model.user_objective(res.objective) == pytest.approx(-CASES["knapsack"].objective)
    assert np.all(np.isin(np.round(res.x, 6), [0.0, 1.0]))


@pytest.mark.parametrize("threads", [2, None, 1])
def test_thread_count_can_change_within_a_process(backend, threads, tmp_path_factory):
    res, _ = battery_results(backend, tmp_path_factory.getbasetemp())[f"threads={threads}"]
    assert res.status == Termination.OPTIMAL, res.message
