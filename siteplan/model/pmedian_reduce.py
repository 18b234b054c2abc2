"""Bounds and problem reduction for the p-median, in numpy (no solver).

Why: a MIP solver on the full distance-level model spends minutes on OR-Library instances
with small p. Beasley (1985) showed that a Lagrangian bound plus a good heuristic fixes most
sites before any branching. We use the same facts, then hand the small remaining model to a
MIP backend, which proves optimality.

- `heuristic`: greedy construction, then first-improvement vertex substitution (swap one open
  site for one closed site while the cost drops). Gives the upper bound UB.
- `lagrangian`: relax "every client is assigned once" with multipliers lam_i:
      L(lam) = sum_i lam_i + (sum of the p smallest rho_j),
      rho_j  = sum_i min(0, w_i d_ij - lam_i)
  L(lam) <= OPT for every lam; subgradient steps (Polyak, with UB) raise it. Its maximum
  equals the LP bound of the strong formulation.
- `fix_sites`: with bound L and UB, forcing site j into (out of) the p cheapest changes L by
  rho_j - rho_(p) (rho_(p+1) - rho_j). If that pushes L above UB - step, no better solution
  opens (closes) j, so j is fixed closed (open). `step` is the objective granularity
  (1 for integer data, so ties with UB are cut too).
"""

from __future__ import annotations

import numpy as np


def assignment_cost(d: np.ndarray, w: np.ndarray, open_sites: np.ndarray) -> float:
    return float(w @ d[:, open_sites].min(axis=1))


def heuristic(d: np.ndarray, w: np.ndarray, p: int, max_passes: int = 50,
              start: np.ndarray | None = None) -> np.ndarray:
    """Greedy + vertex substitution; returns the sorted open site indices."""
    n, m = d.shape
    wd = d * w[:, None]
    if start is None:
        best = np.full(n, np.inf)
        chosen: list[int] = []
        for _ in range(p):
            gain = np.minimum(best[:, None], d).T @ w if np.isfinite(best).all() else wd.sum(0)
            if chosen:
                gain[chosen] = np.inf
            j = int(np.argmin(gain))
            chosen.append(j)
            best = np.minimum(best, d[:, j])
        open_ = np.array(chosen)
    else:
        open_ = np.array(start, dtype=np.int64)
    cur = assignment_cost(d, w, open_)
    for _ in range(max_passes):
        improved = False
        dd = d[:, open_]
        order = np.argsort(dd, axis=1)
        first = dd[np.arange(n), order[:, 0]]
        second = dd[np.arange(n), order[:, 1]] if p > 1 else np.full(n, np.inf)
        for k in range(p):
            # cost of each client when open_[k] is removed
            without = np.where(order[:, 0] == k, second, first)
            if not np.isfinite(without).all():
                without = np.where(np.isfinite(without), without, 1e300)
            cand = (np.minimum(without[:, None], d) * w[:, None]).sum(0)
            cand[open_] = np.inf
            j = int(np.argmin(cand))
            if cand[j] < cur - 1e-9:
                open_[k] = j
                cur = float(cand[j])
                improved = True
                break
        if not improved:
            break
    return np.sort(open_)


def lagrangian(d: np.ndarray, w: np.ndarray, p: int, ub: float, iters: int = 3000,
               lam: np.ndarray | None = None, tol: float = 1e-7, stall_limit: int = 30):
    """Subgradient ascent on L(lam); returns (best bound, its lam, its rho)."""
    n, m = d.shape
    wd = d * w[:, None]
    if lam is None:
        srt = np.sort(wd, axis=1)
        lam = srt[:, min(1, m - 1)].copy()
    best_l, best_lam, best_rho = -np.inf, lam.copy(), None
    f, stall = 2.0, 0
    for _ in range(iters):
        red = np.minimum(0.0, wd - lam[:, None])
        rho = red.sum(axis=0)
        sel = np.argpartition(rho, p - 1)[:p] if p < m else np.arange(m)
        lval = float(lam.sum() + rho[sel].sum())
        if lval > best_l + 1e-9:
            best_l, best_lam, best_rho, stall = lval, lam.copy(), rho, 0
        else:
            stall += 1
            if stall >= stall_limit:
                f, stall = f / 2, 0
        if f < 1e-5 or ub - best_l <= tol * max(1.0, abs(ub)):
            break
        g = 1.0 - (red[:, sel] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = lam + f * (ub - lval) / norm * g
        lam = np.maximum(lam, 0.0)
    return best_l, best_lam, best_rho


def fix_sites(rho: np.ndarray, bound: float, p: int, ub: float, step: float):
    """(closed, opened) boolean masks of sites fixed by the Lagrangian reduced costs."""
    m = rho.shape[0]
    order = np.argsort(rho, kind="stable")
    in_p = np.zeros(m, dtype=bool)
    in_p[order[:p]] = True
    rho_p = rho[order[p - 1]]
    rho_p1 = rho[order[p]] if p < m else np.inf
    limit = ub - step + 1e-6 * max(1.0, abs(ub))
    closed = (~in_p) & (bound + rho - rho_p > limit)
    opened = in_p & (bound + rho_p1 - rho > limit)
    return closed, opened
