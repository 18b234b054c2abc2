"""The CFLP's allocation LP at given site openings, kept alive in HiGHS between calls.

Why: Benders on the sites (`cflp_benders`) asks for this LP hundreds of times at points
that differ in a few sites. Built once over a fixed set of sites, only its bounds change
(x_ij <= y_j, capacity Q_j y_j), so HiGHS's dual simplex restarts from the last basis:
~0.05 s instead of ~0.3 s cold for 1,000 clients x 16 sites.

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
        import highspy

        self._hs = highspy
        cost, demand, capacity = self.c, self.d, self.q
        n, k = self.n, self.sites.size
        nx = n * k
        with solver_output(False):  # Highs() prints a banner when made
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 1)  # dual: bound changes keep the basis dual feasible
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = nx + n, n + k
        lp.col_cost_ = np.r_[cost[:, self.sites].ravel(), np.full(n, self.penalty)]
        lp.col_lower_ = np.zeros(nx + n)
        lp.col_upper_ = np.ones(nx + n)
        lp.row_lower_ = np.r_[np.ones(n), np.full(k, -highspy.kHighsInf)]
        lp.row_upper_ = np.r_[np.ones(n), capacity[self.sites]]
        ii, jj = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
        index = np.empty(2 * nx + n, dtype=np.int32)
        value = np.empty(2 * nx + n)
        index[0:2 * nx:2], index[1:2 * nx:2], index[2 * nx:] = ii, n + jj, np.arange(n)
        value[0:2 * nx:2], value[1:2 * nx:2], value[2 * nx:] = 1.0, demand[ii], 1.0
        mat = lp.a_matrix_
        mat.format_ = highspy.MatrixFormat.kColwise
        mat.start_ = np.r_[np.arange(0, 2 * nx + 1, 2), 2 * nx + np.arange(1, n + 1)].astype(np.int32)
        mat.index_, mat.value_ = index, value
        mat.num_col_, mat.num_row_ = nx + n, n + k
        h.passModel(lp)
        self.h: Any = h  # highspy's stubs lack some of the methods used
        self._cols = np.arange(nx, dtype=np.int32)
        self._rows = np.arange(n, n + k, dtype=np.int32)

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
        hs, h, n, k = self._hs, self.h, self.n, self.sites.size
        h.changeColsBounds(n * k, self._cols, np.zeros(n * k), np.tile(ys, n))
        h.changeRowsBounds(k, self._rows, np.full(k, -hs.kHighsInf), self.q[self.sites] * ys)
        try:
            h.run()
        finally:
            if threading.current_thread().name == SOLVE_THREAD:
                hs.Highs.resetThreadScheduler(False)  # the thread ends with the solve
        if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
            raise RuntimeError(f"transportation LP: {h.modelStatusToString(h.getModelStatus())}")
        sol = h.getSolution()
        return (float(h.getInfo().objective_function_value), np.asarray(sol.row_dual, dtype=float)[:n],
                np.asarray(sol.col_value)[: n * k])
