"""Branch-and-Benders-cut for the p-median: one search tree, cuts added from inside it.

Why: the re-solve loop (`pmedian_benders.integer_phase`) solves a new integer master after
every round of cuts; on small-p instances (pmed36: n = 800, p = 10) that is hundreds of
seconds. A backend with a cut callback (`Solver.supports_cut_callback`) instead asks
`PMedianCuts` for the violated cuts at its own LP points, fractional and integral, within
one branch and bound (Duran-Mateluna, Ales & Elloumi 2023, EJOR 308).

Master over the candidate sites: min sum_i w_i theta_i, sum_j y_j = p, theta_i >= d_i^min,
plus the cuts already in `bd` (the Lagrangian seed, `BendersPMedian.seed`). The cut for client i at y, with D the first distance at which the
y-mass of the client's closest sites reaches 1 (the optimal dual of its subproblem):

    theta_i + sum_{j: d_ij < D} (D - d_ij) y_j >= D

At an integral y it is tight: D is the distance to the nearest open site. The front end
(Lagrangian bound, reduced-cost fixing, swap heuristic, seed cuts) is the caller's; the
incumbent goes in as the warm start.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from siteplan.classic.pmedian_benders import BendersPMedian
from siteplan.model.cuts import CutRows, CutSolver
from siteplan.result import SolveOptions, Termination

#: at a fractional point at most this many cuts (the most violated, relative) per call.
#: Measured with pure depth first and two rounds per node (`scip_cuts`), one thread, load 5-6:
#: 150 gave 229 nodes / 7.6-8.4 CPU s on pmed36 against 277 / 8.1-9.1 s at 400 (100: 267
#: nodes, 200: 249, 250: 273: the node count is not smooth in this number), and less CPU
#: on pmed39 (2.8 vs 3.5 s), pmed38 (2.7 vs 3.2 s) and pmed35 (1.5 vs 1.7 s)
FRACTIONAL_CUTS = 150
#: LP-phase cuts with more relative slack than this at its last point stay out of the master
TIGHT = 1e-6


class PMedianCuts:
    """The `Separator` of the master `BendersPMedian.master(integer=True)` builds."""

    #: the cuts carry the bound and the swap heuristic's plan is the start: the backend may
    #: skip its primal heuristics, strong branching and general cut families
    lean_search = True

    def __init__(self, bd: BendersPMedian):
        self.bd = bd
        self.n, self.m = bd.d.shape
        self.calls = 0

    def locks(self) -> tuple[np.ndarray, np.ndarray]:
        """Every cut is `>=` with non-negative coefficients: only a decrease can break one."""
        down = np.ones(self.m + self.n, dtype=bool)
        return down, np.zeros_like(down)

    def separate(self, x: np.ndarray, integral: bool) -> CutRows | None:
        self.calls += 1
        m = self.m
        y = np.clip(x[:m], 0.0, 1.0)
        th = x[m:]
        if integral:
            y = np.round(y)
        D, value = self.bd.deepest_cut(y)
        viol = value - th
        bad = np.flatnonzero(viol > 1e-6 * np.maximum(1.0, D))
        if bad.size == 0:
            return None
        if not integral and bad.size > FRACTIONAL_CUTS:
            rel = viol[bad] / np.maximum(1.0, D[bad])
            bad = bad[np.argsort(-rel, kind="stable")[:FRACTIONAL_CUTS]]
        self.bd.add(bad, D[bad])  # kept for the statistics (and a later master)
        return self.rows(bad, D[bad])

    def rows(self, clients: np.ndarray, D: np.ndarray) -> CutRows:
        """The cuts of `clients` at distances `D`, over the master's columns (y, theta)."""
        coef = np.maximum(0.0, D[:, None] - self.bd.d[clients])
        r, c = np.nonzero(coef)
        counts = np.bincount(r, minlength=clients.size) + 1
        indptr = np.concatenate([[0], np.cumsum(counts)])
        # theta first in each row, then its sites in increasing order
        indices = np.empty(indptr[-1], dtype=np.int64)
        data = np.empty(indptr[-1])
        first = indptr[:-1]
        indices[first] = self.m + clients
        data[first] = 1.0
        slot = np.ones(indptr[-1], dtype=bool)
        slot[first] = False
        indices[slot] = c
        data[slot] = coef[r, c]
        return CutRows(indptr, indices, data, D.astype(float), np.full(clients.size, np.inf))


def solve(bd: BendersPMedian, cut_solver: CutSolver, lp_route: str, options: SolveOptions,
          deadline: float | None, bound: float) -> tuple[Termination, float, dict]:
    """One master with the cut callback; (status, bound, stats). The plan is in `bd.best*`."""
    sep = PMedianCuts(bd)
    n_lp_cuts = int(sum(c.size for c in bd.cuts_i))
    bd.keep_tight(TIGHT)
    model = bd.master(integer=True)
    m = bd.d.shape[1]
    lb = model.lb.copy()
    lb[m:] = bd.ds[:, 0]  # no client is nearer than its nearest candidate site
    ws = np.zeros(model.n_vars)
    yb = np.isin(bd.sites, bd.best_sites).astype(float)
    ws[:m] = yb
    ws[m:] = bd.d[:, yb > 0.5].min(axis=1)
    model = model.replace(lb=lb, warm_start=ws)
    # `extra` names one backend's options: they go to the cut route only if it is that one
    opts = options if cut_solver.name == lp_route else replace(options, extra={})
    if deadline is not None:
        opts = replace(opts, time_limit=max(1.0, deadline - time.perf_counter()))
    if bd.step and options.abs_gap is not None:  # integer data: a gap under one step is proof
        opts = replace(opts, abs_gap=max(options.abs_gap, 0.999 * bd.step))
    t = time.perf_counter()
    res = cut_solver.with_cuts(model, opts, sep)
    bd.solves += 1
    bd.solve_seconds += time.perf_counter() - t
    bd.version = res.backend_version
    if res.x is not None:
        y = np.round(res.x[:m])
        val = bd.evaluate(y)
        if val < bd.best:
            bd.best, bd.best_sites = val, bd.sites[y > 0.5]
    if res.bound is not None:
        bound = max(bound, float(res.bound))
    stats = {"separator_calls": sep.calls, "lp_phase_cuts": n_lp_cuts,
             "master_cuts": int(model.row_blocks["cut"].stop - model.row_blocks["cut"].start), "nodes": res.nodes,
             **{k: v for k, v in res.extra.items() if isinstance(v, int)}}
    if res.status == Termination.OPTIMAL or bd.proven(bound):
        return Termination.OPTIMAL, bd.best, stats
    return Termination.FEASIBLE, bound, stats
