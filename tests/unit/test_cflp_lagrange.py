"""CFLP front end and subproblem: the warm transportation LP against scipy's linprog, the
Lagrangian bound and its cuts against the direct MIP, and fixing that keeps the optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from siteplan.backends import SolveOptions, solver_for
from siteplan.backends.registry import cut_callback_backend
from siteplan.classic.cflp_lagrange import KnapsackLagrangian
from siteplan.classic.models import CFLP
from siteplan.classic.transport import Transport
from siteplan.result import Termination

OPTS = SolveOptions(time_limit=60)
needs_cuts = pytest.mark.skipif(cut_callback_backend() is None,
                                reason="no backend with a cut callback")


def _instance(seed: int, n: int = 30, m: int = 8, equal: bool = True):
    rng = np.random.default_rng(seed)
    cost = np.round(rng.random((n, m)) * 100, 1)
    demand = rng.integers(5, 20, n).astype(float)
    cap = np.full(m, demand.sum() / 3) if equal else \
        np.round(demand.sum() * rng.uniform(0.15, 0.5, m))
    fixed = np.round(rng.random(m) * 200 + 50)
    return cost, demand, cap, fixed


def _linprog_transport(cost, demand, cap, y):
    """The same LP as `Transport`, written out for scipy: x_ij <= y_j, sum_i d_i x_ij <= Q_j y_j."""
    n, m = cost.shape
    cols = np.arange(n * m)
    a_eq = sp.csr_matrix((np.ones(n * m), (np.repeat(np.arange(n), m), cols)), shape=(n, n * m))
    a_ub = sp.csr_matrix((np.repeat(demand, m), (np.tile(np.arange(m), n), cols)), shape=(m, n * m))
    res = linprog(cost.ravel(), A_ub=a_ub, b_ub=cap * y, A_eq=a_eq, b_eq=np.ones(n),
                  bounds=np.c_[np.zeros(n * m), np.tile(y, n)], method="highs")
    assert res.status == 0
    return res.fun


@pytest.mark.parametrize("kept", [True, False], ids=["kept-highspy", "cold-scipy"])
@pytest.mark.parametrize("seed", range(6))
def test_warm_transport_equals_linprog_at_a_sequence_of_points(seed, kept):
    """Both paths: the kept highspy model, and the cold scipy LP used once OR-Tools is loaded."""
    cost, demand, cap, _ = _instance(seed, equal=seed % 2 == 0)
    rng = np.random.default_rng(100 + seed)
    sites = np.sort(rng.choice(cost.shape[1], 6, replace=False))
    lp = Transport(cost, demand, cap, sites, kept=kept)
    lag = KnapsackLagrangian(cost, demand, np.zeros(cost.shape[1]), cap)
    for _ in range(5):  # one model, bounds changed between solves: the warm path
        y = np.zeros(cost.shape[1])
        y[sites] = np.where(rng.random(6) < 0.3, rng.random(6), 1.0)
        if cap @ y < demand.sum() or y.sum() < 1.0:
            y[sites] = 1.0
        value, u, shares = lp.solve(y)
        assert value == pytest.approx(_linprog_transport(cost, demand, cap, y), rel=1e-9)
        assert shares.sum(axis=1) == pytest.approx(np.ones(cost.shape[0]))
        assert np.all(demand @ shares <= cap * y + 1e-6)
        # the Lagrangian cut of its duals is tight here ...
        const, g = lag.cut(u)
        assert const + g @ y == pytest.approx(value, rel=1e-7)
        # ... and below T at other points that can serve everyone
        for other in itertools.islice(itertools.product((0.0, 1.0), repeat=cost.shape[1]), 0, None, 17):
            z = np.array(other)
            if cap @ z >= demand.sum():
                assert const + g @ z <= _linprog_transport(cost, demand, cap, z) + 1e-6


def test_transport_refuses_a_site_outside_its_columns():
    cost, demand, cap, _ = _instance(0)
    lp = Transport(cost, demand, cap, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="outside"):
        lp.solve(np.r_[np.ones(4), 1.0, np.zeros(3)])


@pytest.mark.parametrize("seed,equal", [(1, True), (2, False), (3, True), (4, False)])
def test_bound_below_the_optimum_and_fixing_keeps_the_optimal_sites(seed, equal):
    cost, demand, cap, fixed = _instance(seed, equal=equal)
    direct = CFLP.from_cost_matrix(cost, demand=demand, capacity=cap, fixed_cost=fixed) \
        .solve(solver_for("highs"), OPTS)
    assert direct.status == Termination.OPTIMAL
    lag = KnapsackLagrangian(cost, demand, fixed, cap)
    lp = Transport(cost, demand, cap)
    res = lag.ascend(lambda y: float(fixed @ y) + lp.solve(y)[0], time_limit=20)
    assert res.bound <= direct.objective + 1e-6
    assert res.bound >= 0.9 * direct.objective  # a real bound, not a trivial one
    assert res.upper >= direct.objective - 1e-6  # a priced plan is a plan
    must_open, must_close = lag.fixable(res.u, direct.objective)
    opened = np.zeros(cost.shape[1], dtype=bool)
    opened[direct.solution.open_sites] = True
    assert not np.any(must_close & opened)
    assert not np.any(must_open & ~opened)


@needs_cuts
@pytest.mark.parametrize("seed,equal", [(5, True), (6, False), (7, False)])
def test_benders_equals_the_direct_mip(seed, equal):
    cost, demand, cap, fixed = _instance(seed, n=35, m=10, equal=equal)
    pr = CFLP.from_cost_matrix(cost, demand=demand, capacity=cap, fixed_cost=fixed)
    direct = pr.solve(solver_for("highs"), OPTS)
    bend = pr.solve(solver_for("highs"), OPTS, method="benders")
    assert direct.status == bend.status == Termination.OPTIMAL
    assert bend.check.ok
    assert bend.objective == pytest.approx(direct.objective, rel=1e-7)
    assert bend.bound == pytest.approx(direct.objective, rel=1e-6)


@needs_cuts
def test_benders_after_ortools_was_imported():
    """OR-Tools' HiGHS loaded first (a user's own code, another backend): highspy can no longer be
    imported in that process, so the subproblem runs as scipy LPs; same optimum, no crash."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys, numpy as np\n"
        "from ortools.math_opt.python import mathopt\n"
        "from ortools.linear_solver import pywraplp; pywraplp.Solver.CreateSolver('SCIP')\n"
        f"sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parent)!r})\n"
        "from test_cflp_lagrange import _instance, OPTS\n"
        "from siteplan.backends import solver_for\n"
        "from siteplan.classic.models import CFLP\n"
        "cost, demand, cap, fixed = _instance(6, n=35, m=10, equal=False)\n"
        "pr = CFLP.from_cost_matrix(cost, demand=demand, capacity=cap, fixed_cost=fixed)\n"
        "res = pr.solve(solver_for('highs'), OPTS, method='benders')\n"
        "print(json.dumps([res.status.value, res.objective, res.check.ok, 'highspy' in sys.modules]))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    status, objective, checked, _ = json.loads(proc.stdout.strip().splitlines()[-1])
    cost, demand, cap, fixed = _instance(6, n=35, m=10, equal=False)
    direct = CFLP.from_cost_matrix(cost, demand=demand, capacity=cap, fixed_cost=fixed).solve(solver_for("highs"), OPTS)
    assert status == "optimal" and checked
    assert objective == pytest.approx(direct.objective, rel=1e-7)
