"""The CFLP's allocation LP at given site openings, kept alive in HiGHS between calls.

Why: Benders on the sites (`cflp_benders`) asks for this LP hundreds of times at points
that differ in a few sites. Built once over a fixed set of sites, only its bounds change
(x_ij <= y_j, capacity Q_j y_j), so HiGHS's dual simplex restarts from the last basis:
~0.05 s instead of ~0.3 s cold for 1,000 clients x 16 sites. Its columns are priced in: a
client's shares at its nearest open sites first, the others once their reduced cost is
negative, so the LP holds a few shares per client instead of all (capb@6000's 41 master
sites: 19 ms a call in the branch and cut instead of 26 ms).

    T(y) = min sum_ij c_ij x_ij + P sum_i s_i   s.t.  sum_j x_ij + s_i = 1      (u_i)
                                                      sum_i d_i x_ij <= Q_j y_j
                                                      0 <= x_ij <= y_j, 0 <= s_i <= 1
The slack s_i at a high price P keeps T finite at fractional y that no allocation fits
(T only gets smaller, so every cut built from its duals stays valid).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from siteplan.backends.common import SOLVE_THREAD, solver_output

#: the kept LP starts each client with its shares at this many nearest open sites
NEAREST = 4
#: a missing share enters when its reduced cost is below -PRICE_TOL (1 + |c_ij|)
PRICE_TOL = 1e-9


class Transport:
    """T(y) for y over all sites, zero outside `sites` (the LP's columns)."""

    def __init__(self, cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray,
                 sites: np.ndarray | None = None, *, kept: bool | None = None):
        self.c, self.d, self.q = cost, demand, capacity
        self.n, self.m = cost.shape
        self.sites = np.arange(self.m) if sites is None else np.asarray(sites)
        self.penalty = 10.0 * float(cost.max()) + 1.0
        self.solves = 0
        self.seconds = 0.0
        # highspy cannot be imported once OR-Tools' HiGHS is loaded (README: the clash), so then
        # every call is a cold LP in scipy's own HiGHS: slower, same T(y) and duals
        self.kept = (not any(m == "ortools" or m.startswith("ortools.") for m in sys.modules)) if kept is None \
            else kept
        if self.kept:
            self._pass_to_highs()

    def _pass_to_highs(self) -> None:
        """The kept model starts with the slacks only; `_columns` adds shares as needed."""
        import highspy

        self._hs = highspy
        n, k = self.n, self.sites.size
        with solver_output(False):  # Highs() prints a banner when made
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 1)  # dual: bound changes keep the basis dual feasible
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, n + k
        lp.col_cost_ = np.full(n, self.penalty)
        lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
        lp.row_lower_ = np.r_[np.ones(n), np.full(k, -highspy.kHighsInf)]
        lp.row_upper_ = np.r_[np.ones(n), self.q[self.sites]]
        mat = lp.a_matrix_
        mat.format_ = highspy.MatrixFormat.kColwise
        mat.start_ = np.arange(n + 1, dtype=np.int32)
        mat.index_, mat.value_ = np.arange(n, dtype=np.int32), np.ones(n)
        mat.num_col_, mat.num_row_ = n, n + k
        h.passModel(lp)
        self.h: Any = h  # highspy's stubs lack some of the methods used
        self._rows = np.arange(n, n + k, dtype=np.int32)
        self._local = self.c[:, self.sites]  # costs over the LP's sites
        self._have = np.zeros((n, k), dtype=bool)  # the shares that are columns
        self._ci = np.zeros(0, dtype=np.int64)  # client and local site of column n + t
        self._cj = np.zeros(0, dtype=np.int64)

    def _columns(self, ii: np.ndarray, jj: np.ndarray, ys: np.ndarray) -> None:
        """Shares (client ii, local site jj) into the kept model, bounded by y."""
        t = ii.size
        if t == 0:
            return
        index = np.empty(2 * t, dtype=np.int32)
        index[0::2], index[1::2] = ii, self.n + jj
        value = np.empty(2 * t)
        value[0::2], value[1::2] = 1.0, self.d[ii]
        self.h.addCols(t, self._local[ii, jj], np.zeros(t), ys[jj], 2 * t,
                       np.arange(0, 2 * t, 2, dtype=np.int32), index, value)
        self._have[ii, jj] = True
        self._ci, self._cj = np.r_[self._ci, ii], np.r_[self._cj, jj]

    def solve(self, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(T(y), assignment duals u, shares clients x all sites)."""
        t0 = time.perf_counter()
        n, k = self.n, self.sites.size
        ys = np.clip(np.asarray(y, dtype=float)[self.sites], 0.0, 1.0)
        if not np.allclose(np.delete(y, self.sites), 0.0):
            raise ValueError("y opens a site outside this transportation LP")
        value, u, x = self._solve_kept(ys) if self.kept else self._solve_cold(ys)
        shares = np.zeros((n, self.m))
        shares[:, self.sites] = x.reshape(n, k)
        self.solves += 1
        self.seconds += time.perf_counter() - t0
        return value, u, shares

    def _solve_cold(self, ys: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        from scipy.optimize import linprog

        n, k = self.n, self.sites.size
        nx = n * k
        ii, jj = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
        a_eq = sp.csr_matrix((np.ones(nx + n), (np.r_[ii, np.arange(n)], np.r_[np.arange(nx), nx + np.arange(n)])),
                             shape=(n, nx + n))
        a_ub = sp.csr_matrix((self.d[ii], (jj, np.arange(nx))), shape=(k, nx + n))
        cost = np.r_[self.c[:, self.sites].ravel(), np.full(n, self.penalty)]
        bounds = np.c_[np.zeros(nx + n), np.r_[np.tile(ys, n), np.ones(n)]]
        res = linprog(cost, A_ub=a_ub, b_ub=self.q[self.sites] * ys, A_eq=a_eq, b_eq=np.ones(n), bounds=bounds,
                      method="highs-ds")
        if res.status != 0:
            raise RuntimeError(f"transportation LP: {res.message}")
        return float(res.fun), np.asarray(res.eqlin.marginals, dtype=float), np.asarray(res.x)[:nx]

    def _solve_kept(self, ys: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Column generation on the kept model: each client's NEAREST open sites first, then
        every share whose reduced cost c_ij - u_i - d_i v_j < 0 at an open site, re-solved
        warm until none is left: the duals are then optimal for the whole LP."""
        hs, h, n, k = self._hs, self.h, self.n, self.sites.size
        if self._cj.size:
            h.changeColsBounds(self._cj.size, np.arange(n, n + self._cj.size, dtype=np.int32),
                               np.zeros(self._cj.size), ys[self._cj])
        h.changeRowsBounds(k, self._rows, np.full(k, -hs.kHighsInf), self.q[self.sites] * ys)
        open_ = np.flatnonzero(ys > 0.0)
        if open_.size:
            near = min(NEAREST, open_.size)
            pick = open_[np.argpartition(self._local[:, open_], near - 1, axis=1)[:, :near]]
            ii = np.repeat(np.arange(n), near)
            jj = pick.ravel()
            new = ~self._have[ii, jj]
            self._columns(ii[new], jj[new], ys)
        while True:
            try:
                h.run()
            finally:
                if threading.current_thread().name == SOLVE_THREAD:
                    hs.Highs.resetThreadScheduler(False)  # the thread ends with the solve
            if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
                raise RuntimeError(f"transportation LP: {h.modelStatusToString(h.getModelStatus())}")
            sol = h.getSolution()
            dual = np.asarray(sol.row_dual, dtype=float)
            u, v = dual[:n], dual[n:]
            if not open_.size:
                break
            reduced = self._local[:, open_] - u[:, None] - self.d[:, None] * v[open_][None, :]
            ii, jo = np.nonzero((reduced < -PRICE_TOL * (1.0 + np.abs(self._local[:, open_])))
                                & ~self._have[:, open_])
            if ii.size == 0:
                break
            self._columns(ii, open_[jo], ys)
        x = np.zeros((n, k))
        x[self._ci, self._cj] = np.asarray(sol.col_value)[n:]
        return float(h.getInfo().objective_function_value), u, x.ravel()
