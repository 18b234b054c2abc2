"""Bounds and problem reduction for the p-median, in numpy (no solver).

Why: a MIP solver on the full distance-level model spends minutes on OR-Library instances
with small p. Beasley (1985) showed that a Lagrangian bound plus a good heuristic fixes most
sites before any branching. We use the same facts, then hand the small remaining model to a
MIP backend, which proves optimality.

- `heuristic`: greedy construction, then best-improvement vertex substitution (swap one open
  site for one closed site while the cost drops), all swaps priced at once. Gives UB.
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


def heuristic(d: np.ndarray, w: np.ndarray, p: int, max_swaps: int | None = None,
              start: np.ndarray | None = None) -> np.ndarray:
    """Greedy (or `start`) + best-improvement vertex substitution; sorted open sites.

    All swaps are priced at once (Whitaker's fast interchange): with d1/d2 a client's
    nearest/second-nearest open distance and a(i) its site, swapping j in and r out costs
        G_j + L_jr,  G_j  = sum_i w_i min(0, d_ij - d1_i)
                     L_jr = sum_{i: a(i)=r} w_i (min(max(d_ij, d1_i), d2_i) - d1_i)
    so one pass is a dense (sites x clients) @ (clients x p) product.
    """
    n, m = d.shape
    if start is None:
        best = None
        chosen: list[int] = []
        for _ in range(p):
            gain = w @ (d if best is None else np.minimum(best[:, None], d))
            if chosen:
                gain[chosen] = np.inf
            j = int(np.argmin(gain))
            chosen.append(j)
            best = d[:, j].copy() if best is None else np.minimum(best, d[:, j])
        open_ = np.array(chosen, dtype=np.int64)
    else:
        open_ = np.array(start, dtype=np.int64)
    if p >= m:
        return np.sort(open_)
    rows = np.arange(n)
    max_swaps = max_swaps if max_swaps is not None else 10 * p + 50
    for _ in range(max_swaps):
        dd = d[:, open_]
        if p > 1:
            part = np.argpartition(dd, 1, axis=1)[:, :2]
            v = dd[rows[:, None], part]
            swap = v[:, 1] < v[:, 0]
            a = np.where(swap, part[:, 1], part[:, 0])
            d1 = np.minimum(v[:, 0], v[:, 1])
            d2 = np.maximum(v[:, 0], v[:, 1])
        else:
            a = np.zeros(n, dtype=np.int64)
            d1 = dd[:, 0]
            d2 = np.full(n, np.max(d) * 2 + 1.0)
        G = w @ np.minimum(0.0, d - d1[:, None])
        E = (np.minimum(np.maximum(d, d1[:, None]), d2[:, None]) - d1[:, None]) * w[:, None]
        onehot = np.zeros((n, p))
        onehot[rows, a] = 1.0
        delta = G[:, None] + E.T @ onehot  # sites x open slots
        delta[open_, :] = np.inf
        j, r = (int(v) for v in np.unravel_index(int(np.argmin(delta)), delta.shape))
        if delta[j, r] >= -1e-9 * max(1.0, float(w @ d1)):
            break
        open_[r] = j
    return np.sort(open_)


def lagrangian(d: np.ndarray, w: np.ndarray, p: int, ub: float, iters: int = 1500,
               lam: np.ndarray | None = None, step: float = 0.0, stall_limit: int = 30,
               forced: int | None = None, f0: float = 2.0):
    """Subgradient ascent on L(lam); returns (best bound, its lam, its rho).

    Stops early once the bound proves `ub` optimal (ub - L < step for integer data), which
    is also how a probe (`forced` site always open) proves that site useless.
    """
    _n, m = d.shape
    wd = d * w[:, None]
    if lam is None:
        srt = np.partition(wd, min(1, m - 1), axis=1)
        lam = srt[:, min(1, m - 1)].copy()
    buf = np.empty_like(wd)
    best_l, best_lam, best_rho = -np.inf, lam.copy(), None
    f, stall = f0, 0
    for _ in range(iters):
        np.subtract(wd, lam[:, None], out=buf)
        np.minimum(buf, 0.0, out=buf)
        rho = buf.sum(axis=0)
        if forced is not None:
            r2 = rho.copy()
            r2[forced] = -np.inf
            sel = np.argpartition(r2, p - 1)[:p] if p < m else np.arange(m)
        else:
            sel = np.argpartition(rho, p - 1)[:p] if p < m else np.arange(m)
        lval = float(lam.sum() + rho[sel].sum())
        if lval > best_l + 1e-9:
            best_l, best_lam, best_rho, stall = lval, lam.copy(), rho, 0
        else:
            stall += 1
            if stall >= stall_limit:
                f, stall = f / 2, 0
        closed = ub - best_l < step if step else ub - best_l <= 1e-9 * max(1.0, abs(ub))
        if f < 1e-4 or closed:
            break
        g = 1.0 - (buf[:, sel] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = np.maximum(lam + f * (ub - lval) / norm * g, 0.0)
    return best_l, best_lam, best_rho


def bound_and_incumbent(d: np.ndarray, w: np.ndarray, p: int, step: float):
    """Heuristic, Lagrangian, heuristic from the Lagrangian's choice, Lagrangian again.

    Returns (open sites, UB, bound, rho, lam). The second heuristic usually finds the optimum on
    instances with large p, and the better UB both speeds the subgradient and fixes more.
    """
    heur = heuristic(d, w, p)
    ub = assignment_cost(d, w, heur)
    lbound, lam, rho = lagrangian(d, w, p, ub, iters=300, step=step)
    if ub - lbound >= max(step, 1e-9 * abs(ub)):
        h2 = heuristic(d, w, p, start=np.argsort(rho, kind="stable")[:p])
        u2 = assignment_cost(d, w, h2)
        if u2 < ub:
            heur, ub = h2, u2
        l2, lam2, rho2 = lagrangian(d, w, p, ub, iters=1200, lam=lam, step=step)
        if l2 > lbound:
            lbound, rho, lam = l2, rho2, lam2
    return heur, ub, lbound, rho, lam


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


def probe(d: np.ndarray, w: np.ndarray, p: int, ub: float, step: float, lam: np.ndarray,
          cand: np.ndarray, opened: np.ndarray, iters: int = 80) -> np.ndarray:
    """Close candidate sites whose forced opening provably cannot beat `ub`.

    On the reduced site set the subgradient is cheap, so for each free site we re-optimise
    the multipliers with that site forced open (warm start from `lam`). If the bound reaches
    ub - step, no better plan opens the site. Returns the surviving candidates (global ids).
    """
    if p >= cand.size or opened.size:
        return cand
    sub = d[:, cand]
    keep = np.ones(cand.size, dtype=bool)
    limit = ub - step + 1e-6 * max(1.0, abs(ub)) if step else ub * (1 + 1e-9)
    for k in range(cand.size):
        cols = np.flatnonzero(keep)
        if cols.size <= p:
            break
        pos = int(np.searchsorted(cols, k))
        bound, _, _ = lagrangian(sub[:, cols], w, p, ub, iters=iters, lam=lam.copy(),
                                 step=step, stall_limit=8, forced=pos, f0=0.5)
        if bound > limit:
            keep[k] = False
    return cand[keep]
