"""Kept solver instances (`siteplan.backends.session`): a model that differs from the last
only in bounds, costs or right-hand sides is re-solved in the kept HiGHS object and gets the
answer a fresh solve gets; any other model gets a new instance; a clashing library loaded in
this process sends the solve to a worker process as always."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from siteplan.backends import SolveOptions, solve
from siteplan.backends.highs_kept import same_structure
from siteplan.backends.session import SolverSession
from siteplan.model.ir import Model, ModelBuilder
from siteplan.result import Termination

pytest.importorskip("highspy")

VALUE = np.array([10, 13, 7, 8, 9, 4], dtype=float)
WEIGHT = np.array([4, 6, 3, 5, 4, 2], dtype=float)


def knapsack(cap: float, *, integer: bool = True, weight: np.ndarray = WEIGHT) -> Model:
    b = ModelBuilder("knapsack")
    x = b.add_vars("take", len(VALUE), ub=1, integer=integer, cost=-VALUE)
    b.add_rows("weight", 1, np.zeros(len(x)), x, weight, ub=cap)
    return b.finish(sense="max")


def best(cap: float) -> float:
    """Brute force: the most value within `cap` (minimisation sense, so negative)."""
    picks = np.array(np.meshgrid(*[[0, 1]] * len(VALUE))).reshape(len(VALUE), -1).T
    fits = picks @ WEIGHT <= cap
    return -float((picks[fits] @ VALUE).max())


def test_structure_is_the_matrix_not_the_bounds():
    a = knapsack(12)
    assert same_structure(a, knapsack(20))  # another row bound: same structure
    assert same_structure(a, a.replace(c=a.c * 2, lb=a.lb, ub=a.ub * 0))
    assert not same_structure(a, knapsack(12, integer=False))
    w = WEIGHT.copy()
    w[2] += 1
    assert not same_structure(a, knapsack(12, weight=w))  # one coefficient differs


def test_a_capacity_sweep_in_one_kept_instance_matches_fresh_solves():
    s = SolverSession()
    opts = SolveOptions(mip_gap=0.0, threads=1)
    caps = [0, 4, 7, 12, 17, 30, 12, 2]  # up, then down: a kept plan must not leak into a lower point
    for cap in caps:
        kept = s.solve(knapsack(cap), "highs", opts)
        fresh = solve(knapsack(cap), "highs", opts)
        assert kept.status == fresh.status == Termination.OPTIMAL
        assert kept.objective == pytest.approx(best(cap)) == pytest.approx(fresh.objective)
        assert kept.x @ WEIGHT <= cap + 1e-9
    assert s.counts == {"built": 1, "kept": len(caps) - 1, "plain": 0}
    assert len(s.kept) == 1


def test_a_warm_start_from_the_last_point_is_the_only_start():
    s = SolverSession()
    opts = SolveOptions(mip_gap=0.0, threads=1)
    first = s.solve(knapsack(12), "highs", opts)
    assert first.extra == {"model_reuse": "built"}
    m = knapsack(17)
    res = s.solve(m.replace(warm_start=first.x), "highs", opts)  # feasible at the larger capacity
    assert res.extra == {"warm_start": "accepted", "model_reuse": "kept"}
    assert res.objective == pytest.approx(best(17))


def test_another_structure_gets_its_own_instance_and_both_are_kept():
    s = SolverSession(keep=2)
    opts = SolveOptions(mip_gap=0.0, threads=1)
    w = WEIGHT.copy()
    w[0] = 1.0
    for cap in (5, 9):
        a = s.solve(knapsack(cap), "highs", opts)
        b = s.solve(knapsack(cap, weight=w), "highs", opts)
        assert a.objective == pytest.approx(best(cap))
        assert b.objective == pytest.approx(solve(knapsack(cap, weight=w), "highs", opts).objective)
    assert s.counts == {"built": 2, "kept": 2, "plain": 0}
    s.solve(knapsack(5, integer=False), "highs", opts)  # a third structure pushes out the oldest
    assert len(s.kept) == 2 and s.counts["built"] == 3


def test_an_lp_keeps_its_basis_and_its_optimum():
    s = SolverSession()
    for cap in (6, 9, 13):
        kept = s.solve(knapsack(cap, integer=False), "highs", SolveOptions())
        fresh = solve(knapsack(cap, integer=False), "highs", SolveOptions())
        assert kept.objective == pytest.approx(fresh.objective)
    assert s.counts["kept"] == 2


def test_a_clashing_library_sends_the_solve_to_a_worker(monkeypatch):
    monkeypatch.setitem(sys.modules, "ortools", types.ModuleType("ortools"))  # as if ortools were imported
    s = SolverSession()
    res = s.solve(knapsack(12), "highs", SolveOptions(mip_gap=0.0))
    assert res.isolation == "process" and res.objective == pytest.approx(best(12))
    assert s.counts == {"built": 0, "kept": 0, "plain": 1} and not s.kept


def test_a_backend_without_kept_instances_solves_plainly():
    pytest.importorskip("pulp")
    s = SolverSession()
    res = s.solve(knapsack(12), "pulp-cbc", SolveOptions(mip_gap=0.0))
    assert res.objective == pytest.approx(best(12)) and s.counts["plain"] == 1


def test_costs_column_bounds_and_offset_change_in_the_kept_instance():
    s = SolverSession()
    opts = SolveOptions(mip_gap=0.0, threads=1)
    base = knapsack(12)
    ub = base.ub.copy()
    ub[0] = 0.0  # the best item may not be taken
    variants = [base, base.replace(ub=ub), base.replace(c=base.c * np.arange(1, 7)), base.replace(offset=5.0), base]
    for m in variants:
        kept, fresh = s.solve(m, "highs", opts), solve(m, "highs", opts)
        assert kept.objective == pytest.approx(fresh.objective)
        assert np.allclose(kept.x, fresh.x)
    assert s.counts["kept"] == len(variants) - 1


def test_each_thread_of_a_worker_has_its_own_session():
    """Points solved at once in one process (a Dask worker with several threads) never share
    a kept instance."""
    import threading

    from siteplan.analysis.sweep_exec import point_session, release_session

    mine = point_session()
    assert point_session() is mine
    other = []
    t = threading.Thread(target=lambda: other.append(point_session()))
    t.start()
    t.join()
    assert other[0] is not mine
    release_session()
    assert point_session() is not mine
    release_session()


def test_adaptive_route_keeps_highs_instances():
    """The default route resolves to HiGHS for these models, and the session keeps HiGHS's
    instance for them as it does when HiGHS is named."""
    s = SolverSession()
    caps = [6.0, 8.0, 10.0]
    results = [s.solve(knapsack(c), "adaptive", SolveOptions(mip_gap=0.0, threads=1)) for c in caps]
    assert [r.objective for r in results] == [pytest.approx(best(c)) for c in caps]
    assert s.counts == {"built": 1, "kept": len(caps) - 1, "plain": 0}
    assert [r.extra["route"]["backend"] for r in results] == ["highs"] * len(caps)
    assert [r.extra["model_reuse"] for r in results] == ["built"] + ["kept"] * (len(caps) - 1)
