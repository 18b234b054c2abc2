"""Benders for the splittable CFLP on the site variables, with one transportation subproblem.

Why: capa/capb/capc have 100 sites and 1,000 clients; the full model has 100,000 shares and
its LP is what took minutes per round. Projected onto the sites (Fischetti, Ljubic & Sinnl,
"Benders decomposition without separability", 2016/2017), the master has 100 binaries and
one variable eta for the whole allocation cost, and branch and bound runs on that.

Subproblem at y (an LP, solved by scipy's HiGHS, which returns its duals):
    T(y) = min sum_ij c_ij x_ij  s.t.  sum_j x_ij = 1 (u_i),  sum_i d_i x_ij <= Q_j y_j (v_j <= 0),
                                       0 <= x_ij <= y_j (b_ij <= 0)
The x_ij <= y_j bounds make T the strong formulation's allocation cost. By LP duality
    eta >= sum_i u_i + sum_j (Q_j v_j + sum_i b_ij) y_j
is valid for every y and tight at the y it was computed for. It is the only cut: the master
row sum_j Q_j y_j >= sum_i d_i keeps T feasible (every client may use every site).
The master goes to a route with a cut callback; fractional points are separated while the
bound still moves (the root, in practice), integral ones always (lazy rows).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from siteplan.model.cuts import CutRows, CutSolver
from siteplan.model.ir import Model, ModelBuilder
from siteplan.result import SolveOptions

#: fractional separation stops after this many calls or once a call gains < STALL (relative)
FRACTIONAL_CALLS = 80
STALL = 1e-5


class TransportSubproblem:
    """T(y) and its cut; integral points are cached (SCIP checks a plan more than once)."""

    def __init__(self, cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray):
        self.c, self.d, self.q = cost, demand, capacity
        n, m = cost.shape
        self.n, self.m = n, m
        cols = np.arange(n * m)
        # one "unserved" column per client at a high price keeps T finite at fractional y
        # that no allocation fits (T only gets smaller, so every cut stays valid)
        self.a_eq = sp.hstack([sp.csr_matrix((np.ones(n * m), (np.repeat(np.arange(n), m), cols)),
                                             shape=(n, n * m)), sp.identity(n)]).tocsr()
        self.a_ub = sp.csr_matrix((np.repeat(demand, m), (np.tile(np.arange(m), n), cols)),
                                  shape=(m, n * m + n))
        self.obj = np.r_[cost.ravel(), np.full(n, 10.0 * float(cost.max()) + 1.0)]
        self.cache: dict[bytes, tuple[float, float, np.ndarray]] = {}
        self.solves = 0

    def solve(self, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """(T(y), constant, coefficients): T(y) = constant + coef @ y, valid below elsewhere."""
        key = np.round(y, 9).tobytes()
        if key in self.cache:
            return self.cache[key]
        res = self._lp(y)
        const = float(res.eqlin.marginals.sum())
        upper = res.upper.marginals[: self.n * self.m].reshape(self.n, self.m)
        coef = self.q * res.ineqlin.marginals + upper.sum(0)
        out = (float(res.fun), const, coef)
        if np.all(np.abs(y - np.round(y)) < 1e-9):
            self.cache[key] = out
        return out

    def allocation(self, y: np.ndarray) -> np.ndarray:
        """The optimal shares x (clients x sites) at y."""
        return np.asarray(self._lp(y).x)[: self.n * self.m].reshape(self.n, self.m)

    def _lp(self, y: np.ndarray):
        ub = np.r_[np.tile(np.clip(y, 0.0, 1.0), self.n), np.ones(self.n)]
        res = linprog(self.obj, A_ub=self.a_ub, b_ub=self.q * y, A_eq=self.a_eq,
                      b_eq=np.ones(self.n), bounds=np.c_[np.zeros_like(ub), ub],
                      method="highs-ds")  # scipy's own HiGHS, dual simplex
        self.solves += 1
        if res.status != 0:
            raise RuntimeError(f"transportation subproblem: {res.message}")
        return res


class CFLPCuts:
    """The `Separator` of `master()`: columns y (m sites) then eta."""

    def __init__(self, sub: TransportSubproblem):
        self.sub = sub
        self.m = sub.m
        self.fractional_calls = 0
        self.last_bound = -np.inf
        self.best: tuple[float, np.ndarray] | None = None  # (total cost, y) of the best plan seen
        self.fixed: np.ndarray | None = None

    def locks(self) -> tuple[np.ndarray, np.ndarray]:
        """Each cut reads eta + |coef| @ y >= const: only lowering eta or a y can break one."""
        down = np.ones(self.m + 1, dtype=bool)
        return down, np.zeros_like(down)

    def separate(self, x: np.ndarray, integral: bool) -> CutRows | None:
        y = np.clip(x[: self.m], 0.0, 1.0)
        eta = float(x[self.m])
        if integral:
            y = np.round(y)
        else:
            if self.fractional_calls >= FRACTIONAL_CALLS:
                return None
            self.fractional_calls += 1
        val, const, coef = self.sub.solve(y)
        if integral and self.fixed is not None:
            total = float(self.fixed @ y) + val
            if self.best is None or total < self.best[0]:
                self.best = (total, y.copy())
        if val - eta <= 1e-7 * max(1.0, abs(val)):
            return None
        if not integral:
            gain = val - eta
            if gain < STALL * max(1.0, abs(val)) and self.fractional_calls > 5:
                self.fractional_calls = FRACTIONAL_CALLS
        # eta - coef @ y >= const
        indices = np.r_[self.m, np.arange(self.m)]
        data = np.r_[1.0, -coef]
        keep = np.r_[True, coef != 0.0]
        return CutRows(np.array([0, int(keep.sum())]), indices[keep], data[keep],
                       np.array([const]), np.array([np.inf]))


def master(fixed: np.ndarray, capacity: np.ndarray, total_demand: float,
           eta_lb: float) -> Model:
    """min f @ y + eta  s.t.  Q @ y >= D;  y binary, eta >= eta_lb (a cheapest assignment)."""
    m = fixed.size
    b = ModelBuilder("cflp-benders-master")
    y = b.add_vars("y", m, lb=0.0, ub=1.0, integer=True, cost=fixed)
    b.add_vars("eta", 1, lb=eta_lb, cost=1.0)
    b.add_rows("capacity", 1, np.zeros(m), y, capacity, lb=total_demand)
    return b.finish()


def solve(problem, cut_solver: CutSolver, options: SolveOptions):
    """Branch-and-Benders-cut on `cut_solver`; (SolveResult of the master, y, shares, stats)."""
    cost, d, q, f = problem.data.cost, problem.d, problem.q, problem.f
    sub = TransportSubproblem(cost, d, q)
    sep = CFLPCuts(sub)
    sep.fixed = f
    model = master(f, q, float(d.sum()), float(cost.min(axis=1).sum()))
    start = np.ones(f.size)  # every site open: always feasible
    model = model.replace(warm_start=np.r_[start, sub.solve(start)[0]])
    res = cut_solver.with_cuts(model, options, sep)
    y = None if res.x is None else np.round(res.x[: f.size])
    shares = None if y is None else sub.allocation(y)
    stats = {"subproblem_lps": sub.solves, "fractional_separations": sep.fractional_calls,
             "nodes": res.nodes, **{k: v for k, v in res.extra.items() if isinstance(v, int)}}
    return res, y, shares, stats
