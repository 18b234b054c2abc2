"""Benders decomposition for the p-median on a (reduced) candidate set, via any backend.

Why: on instances with small p the distance-level model is large and its LP is slow, while
the projection onto the site variables is tiny. With theta_i = client i's distance, every
distance D gives a valid cut (closed form of the Elloumi subproblem; Duran-Mateluna, Ales &
Elloumi 2023):

    theta_i + sum_j max(0, D - d_ij) y_j >= D

At a point y the deepest cut takes D = the first distance at which the y-mass of the
client's closest sites reaches 1. Phase 1 solves the LP master and adds cuts until none is
violated (separating at a point between the LP optimum and the incumbent: in-out
stabilisation). Phase 2 solves the integer master, evaluates its sites exactly, adds the
tight cuts at that plan and repeats until the master bound meets the best plan found.
Each master is an ordinary neutral `Model`, so every backend can run the loop: the caller
hands in the `Solver` (this module never imports the backends).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from siteplan.classic.pmedian_reduce import order_within
from siteplan.model.ir import Model, ModelBuilder
from siteplan.result import SolveOptions, Solver, SolveResult, Termination


class BendersPMedian:
    def __init__(self, cost: np.ndarray, w: np.ndarray, p: int, sites: np.ndarray,
                 fixed_open: np.ndarray, incumbent: np.ndarray, step: float,
                 order: np.ndarray | None = None):
        """`order`: each client's sites of `cost` by distance (`pmedian_reduce.client_order`),
        if the caller has sorted them already; the candidates' order is read from it."""
        self.d = cost[:, sites]
        self.w = w
        self.p = p
        self.sites = sites
        self.fixed = np.isin(sites, fixed_open)
        self.order = (np.argsort(self.d, axis=1, kind="stable") if order is None
                      else order_within(order, sites))
        self.ds = np.take_along_axis(self.d, self.order, axis=1)
        self.window = 8  # sites per client that `deepest` looks at first
        self.cuts_i: list[np.ndarray] = []
        self.cuts_D: list[np.ndarray] = []
        self.best_sites = np.asarray(incumbent)
        self.best = float(w @ cost[:, incumbent].min(axis=1))
        self.step = step
        self.solves = 0
        self.solve_seconds = 0.0
        self.version = ""
        self.core = np.isin(sites, incumbent).astype(float)
        self.last_lp: tuple[np.ndarray, np.ndarray] | None = None  # the LP phase's last point

    # -- separation
    def deepest(self, y: np.ndarray) -> np.ndarray:
        """Per client, the distance D of the deepest cut at y."""
        return self.deepest_cut(y)[0]

    def deepest_cut(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per client, the distance D of the deepest cut at y and the cut's value at y
        (`cut_value(all clients, D, y)`).

        Walks each client's sites in distance order (`order`, sorted once) over a window
        of the nearest `window` sites, and only the clients whose y-mass has not reached
        one there look further (window doubled). With large p the mass is reached within
        a few sites: vm1748 p=200 sorted the ~250-site support of y per client and call
        (1.5 s of a 2.8 s tree); this costs O(clients x window) gathers instead. Every site
        nearer than D lies inside the window that reached it, so the value is summed
        there too (vm1748 p=200: 0.31 s over the ~300-site support per call before)."""
        n, m = self.d.shape
        D = self.ds[:, -1].copy()  # total mass below one (only at a point off sum y = p)
        val = np.empty(n)
        rows = np.arange(n)
        k = min(self.window, m)
        reached_at = np.zeros(n, dtype=np.int64)
        while rows.size:
            yo = y[self.order[rows, :k]]
            cum = np.cumsum(yo, axis=1)
            reach = cum >= 1 - 1e-9
            hit = reach[:, -1] if k < m else np.ones(rows.size, dtype=bool)
            at = rows[hit]
            pos = np.where(reach[hit, -1], np.argmax(reach[hit], axis=1), m - 1)
            D[at] = self.ds[at, pos]
            reached_at[at] = np.where(reach[hit, -1], pos, 0)
            gain = np.maximum(0.0, D[at, None] - self.ds[at, :k]) * yo[hit]
            val[at] = D[at] - gain.sum(axis=1)
            rows = rows[~hit]
            k = min(m, 2 * k)
        # next call starts from a window that serves nearly every client at once
        self.window = max(8, int(np.quantile(reached_at, 0.95)) + 1)
        return D, val

    def cut_value(self, clients: np.ndarray, D: np.ndarray, y: np.ndarray) -> np.ndarray:
        sup = np.flatnonzero(y != 0)  # a y of zero adds nothing: work on the support
        return D - (np.maximum(0.0, D[:, None] - self.d[np.ix_(clients, sup)]) @ y[sup])

    def add(self, clients, D):
        self.cuts_i.append(np.asarray(clients, dtype=np.int64))
        self.cuts_D.append(np.asarray(D, dtype=float))

    def seed(self, lam: np.ndarray) -> None:
        """First cuts without an LP: tight at the incumbent, and one per client at
        D_i = lam_i / w_i from the Lagrangian multipliers. Summed with weights w_i the
        latter read  sum_i w_i theta_i >= sum_i lam_i + sum_j rho_j y_j >= L(lam)  (with
        sum_j y_j = p), so the master's first LP already has the Lagrangian bound."""
        n = self.d.shape[0]
        self.add(np.arange(n), self.deepest(self.core))
        pos = self.w > 0
        self.add(np.flatnonzero(pos), lam[pos] / self.w[pos])

    def keep_tight(self, rel: float) -> None:
        """Drop the cuts with slack above `rel` (relative) at the LP phase's last point: a
        master with a cut callback re-finds any it needs, and a lean LP is faster."""
        if self.last_lp is None or not self.cuts_i:
            return
        y, th = self.last_lp
        ci, cd = np.concatenate(self.cuts_i), np.concatenate(self.cuts_D)
        slack = th[ci] - self.cut_value(ci, cd, y)
        keep = slack <= rel * np.maximum(1.0, cd)
        self.cuts_i, self.cuts_D = [ci[keep]], [cd[keep]]

    # -- master
    def master(self, integer: bool) -> Model:
        n, m = self.d.shape
        b = ModelBuilder("pmedian-benders-master")
        lb = self.fixed.astype(float)
        y = b.add_vars("y", m, lb=lb, ub=1.0, integer=integer)
        th = b.add_vars("theta", n, lb=0.0, cost=self.w)
        ci = np.concatenate(self.cuts_i) if self.cuts_i else np.zeros(0, dtype=np.int64)
        cd = np.concatenate(self.cuts_D) if self.cuts_D else np.zeros(0)
        coef = np.maximum(0.0, cd[:, None] - self.d[ci])
        r, c = np.nonzero(coef)
        k = np.arange(ci.size)
        b.add_rows("cut", ci.size, np.r_[k, r], np.r_[th[ci], y[c]],
                   np.r_[np.ones(ci.size), coef[r, c]], lb=cd)
        b.add_rows("p", 1, np.zeros(m), y, 1.0, lb=self.p, ub=self.p)
        return b.finish()

    def _solve(self, model: Model, solver: Solver, options: SolveOptions) -> SolveResult:
        t = time.perf_counter()
        res = solver(model, options)
        self.solves += 1
        self.solve_seconds += time.perf_counter() - t
        self.version = res.backend_version
        return res

    def evaluate(self, y: np.ndarray) -> float:
        open_ = np.flatnonzero(y > 0.5)
        return float(self.w @ self.d[:, open_].min(axis=1))

    def run(self, solver: Solver, options: SolveOptions,
            deadline: float | None) -> tuple[Termination, float]:
        """Returns (status, bound); the best plan is in `best` and `best_sites`."""
        done, bound = self.lp_phase(solver, options, deadline)
        if done is not None:
            return done, bound
        return self.integer_phase(solver, options, deadline, bound)

    def proven(self, bound: float) -> bool:
        """The best plan is optimal given `bound` (below one objective step on integer data)."""
        return self.best - bound < max(self.step, 1e-9 * abs(self.best))

    def lp_phase(self, solver: Solver, options: SolveOptions,
                 deadline: float | None) -> tuple[Termination | None, float]:
        """Phase 1: LP masters and cuts until none is violated. (status or None, LP bound)."""
        n = self.d.shape[0]
        if not self.cuts_i:  # initial cuts (unless `seed` gave them): tight at the incumbent
            self.add(np.arange(n), self.deepest(self.core))
        lp_opts = replace(options)
        bound = -np.inf
        alpha = 0.5
        for _ in range(200):
            if deadline is not None and time.perf_counter() > deadline:
                return Termination.FEASIBLE, bound
            res = self._solve(self.master(integer=False), solver, lp_opts)
            if not res.status.has_solution:
                return Termination.ERROR, bound
            x = res.x
            assert x is not None and res.objective is not None  # a solution status has both
            y, th = x[: self.d.shape[1]], x[self.d.shape[1]:]
            self.last_lp = (y, th)
            bound = max(bound, float(res.objective))
            sep = alpha * y + (1 - alpha) * self.core
            D = self.deepest(sep)
            viol = self.cut_value(np.arange(n), D, y) - th > 1e-6 * np.maximum(1.0, D)
            if not viol.any():
                D, value = self.deepest_cut(y)
                viol = value - th > 1e-6 * np.maximum(1.0, D)
                if not viol.any():
                    break
                alpha = min(1.0, alpha + 0.25)
            self.add(np.flatnonzero(viol), D[viol])
            if np.all(np.abs(y - np.round(y)) < 1e-9):
                val = self.evaluate(y)
                if val < self.best:
                    self.best, self.best_sites = val, self.sites[y > 0.5]
                    self.core = np.round(y)
        if self.proven(bound):
            return Termination.OPTIMAL, max(bound, self.best if self.step else bound)
        return None, bound

    def integer_phase(self, solver: Solver, options: SolveOptions, deadline: float | None,
                      bound: float) -> tuple[Termination, float]:
        """Phase 2: integer masters re-solved with the tight cuts at each plan."""
        n = self.d.shape[0]
        for _ in range(500):
            if deadline is not None and time.perf_counter() > deadline:
                return Termination.FEASIBLE, bound
            model = self.master(integer=True)
            ws = np.full(model.n_vars, np.nan)
            yb = np.isin(self.sites, self.best_sites).astype(float)
            ws[: yb.size] = yb
            ws[yb.size:] = self.d[:, yb > 0.5].min(axis=1)
            model = model.replace(warm_start=ws)
            opts = options if deadline is None else replace(
                options, time_limit=max(1.0, deadline - time.perf_counter()))
            res = self._solve(model, solver, opts)
            if res.bound is not None:
                bound = max(bound, float(res.bound))
            if not res.status.has_solution:
                return Termination.FEASIBLE, bound
            assert res.x is not None  # a solution status has a point
            y = np.round(res.x[: yb.size])
            val = self.evaluate(y)
            if val < self.best:
                self.best, self.best_sites = val, self.sites[y > 0.5]
            gap_ok = self.best - bound < max(self.step, 1e-9 * abs(self.best)) if self.step \
                else self.best - bound <= 1e-9 * abs(self.best)
            if gap_ok:
                return Termination.OPTIMAL, min(self.best, max(bound, self.best))
            if res.status != Termination.OPTIMAL:
                return Termination.FEASIBLE, bound
            th = res.x[yb.size:]
            D = self.deepest(y)
            viol = self.cut_value(np.arange(n), D, y) - th > 1e-6 * np.maximum(1.0, D)
            if not viol.any():  # master value equals the plan's value
                return Termination.OPTIMAL, self.best
            self.add(np.flatnonzero(viol), D[viol])
        return Termination.FEASIBLE, bound
