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


def test_priced_transport_reaches_shares_beyond_the_nearest_open_sites():
    """Capacities so tight that clients spill past their nearest open sites: the kept LP's
    columns are priced in, and its value and duals still equal the full LP's."""
    from siteplan.classic.transport import NEAREST

    cost, demand, _, _ = _instance(11, n=40, m=10)
    cap = np.full(10, demand.sum() / 9.5)  # 10 sites open hold the demand with 5% to spare
    lp = Transport(cost, demand, cap, kept=True)
    lag = KnapsackLagrangian(cost, demand, np.zeros(10), cap)
    for y in (np.ones(10), np.r_[np.full(5, 1.0), np.full(5, 0.99)], np.ones(10)):
        value, u, shares = lp.solve(y)
        assert value == pytest.approx(_linprog_transport(cost, demand, cap, y), rel=1e-9)
        const, g = lag.cut(u)
        assert const + g @ y == pytest.approx(value, rel=1e-7)
        far = np.argsort(cost, axis=1)[:, NEAREST:]
        assert np.take_along_axis(shares, far, axis=1).max() > 0.0  # pricing was needed


def _separator(seed: int = 8):
    from siteplan.classic.cflp_benders import CFLPCuts

    cost, demand, cap, fixed = _instance(seed, n=30, m=8)
    lag = KnapsackLagrangian(cost, demand, fixed, cap)
    sites = np.arange(8)
    return CFLPCuts(lag, Transport(cost, demand, cap, sites), sites), cost, demand, cap, fixed


def test_separator_prices_only_integral_points_that_could_beat_the_best_plan():
    sep, cost, demand, cap, fixed = _separator()
    plan = np.ones(8)
    true_t = _linprog_transport(cost, demand, cap, plan)
    sep.best = (float(fixed @ plan) + true_t, plan)
    # eta below T(y) but f y + eta no better than the best plan: accepted, no LP
    assert sep.separate(np.r_[plan, sep.best[0] - float(fixed @ plan)], True) is None
    assert sep.sub.solves == 0 and sep.worse_skipped == 1
    # a point claiming less than the best plan costs is priced and cut off
    x = np.r_[plan, 0.5 * true_t]
    rows = sep.separate(x, True)
    assert sep.sub.solves == 1 and rows is not None and rows.violated(x).all()
    # the same cut rejects it again from the pool, without an LP
    assert sep.separate(x, True) is not None and sep.sub.solves == 1
    # a fractional point that a known cut already separates gets it without an LP ...
    frac = np.r_[np.full(8, 0.9), 0.5 * true_t]
    rows = sep.separate(frac, False)
    assert rows is not None and rows.violated(frac).all() and sep.sub.solves == 1
    # ... and one that no known cut separates gets an LP and a cut tight at its y
    frac = np.r_[np.full(8, 0.9), 0.0]
    frac[8] = sep.pool[0][0] + sep.pool[0][1] @ frac[:8] + 1.0  # just above the known cut
    rows = sep.separate(frac, False)
    assert sep.sub.solves == 2
    assert rows is None or rows.violated(frac).all()


def test_separator_asks_to_stop_when_a_plan_would_close_more_sites():
    """A better plan that lets fixing close `restart_gain` more sites stops the search; one
    that closes fewer does not."""
    for gain, stops in ((5, False), (4, True)):
        sep = _separator()[0]
        sep.best = (np.inf, np.ones(8))
        sep.closing = np.r_[np.full(4, np.inf), np.full(4, -np.inf)]  # 4 sites close at any cost
        sep.restart_gain = gain
        sep.evaluate(np.ones(8))
        assert sep.best[0] < np.inf and sep.stop_requested == stops


@needs_cuts
def test_benders_restarts_from_a_better_plan_and_keeps_the_optimum(monkeypatch):
    """A front end that only knows the all-open plan fixes little; the master meets better
    plans, stops, refixes and restarts (the SCIP interrupt path), and still proves the optimum."""
    from siteplan.classic import cflp_benders, cflp_heuristic

    ascend = KnapsackLagrangian.ascend

    def all_open(self, price, time_limit, **kw):
        res = ascend(self, price, time_limit, **kw)
        res.plan = np.ones(self.m)
        res.upper = price(res.plan)
        return res

    monkeypatch.setattr(KnapsackLagrangian, "ascend", all_open)
    monkeypatch.setattr(cflp_heuristic, "improve", lambda plan, *a: (np.inf, plan, 0))
    monkeypatch.setattr(cflp_benders, "RESTART_SITES", 1)
    monkeypatch.setattr(cflp_benders, "RESTART_GAIN", 0.0)
    cost, demand, cap, fixed = _instance(14, n=35, m=10, equal=False)
    pr = CFLP.from_cost_matrix(cost, demand=demand, capacity=cap, fixed_cost=fixed)
    direct = pr.solve(solver_for("highs"), OPTS)
    bend = pr.solve(solver_for("highs"), OPTS, method="benders")
    assert bend.stats["restarts"] >= 1
    assert bend.status == direct.status == Termination.OPTIMAL and bend.check.ok
    assert bend.objective == pytest.approx(direct.objective, rel=1e-7)
