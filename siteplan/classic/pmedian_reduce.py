"""Bounds and problem reduction for the p-median, in numpy (no solver).

Why: a MIP solver on the full distance-level model spends minutes on OR-Library instances
with small p. Beasley (1985) showed that a Lagrangian bound plus a good heuristic fixes most
sites before any branching. We use the same facts, then hand the small remaining model to a
MIP backend, which proves optimality.

- `heuristic`: greedy construction, then best-improvement vertex substitution (swap one open
  site for one closed site while the cost drops), all swaps priced at once. Gives UB.
  Both update only the clients a step changes, so n = 900 costs tenths of a second.
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
import scipy.sparse as sp


def client_order(d: np.ndarray) -> np.ndarray:
    """Each client's (row's) sites by increasing distance: one sort that the Lagrangian's
    window, the separator and the Benders master share (`order_within` reads a subset's
    order from it) instead of sorting each their own columns (~0.1 s per sort at n = 1,748)."""
    return np.argsort(d, axis=1, kind="stable")


def order_within(order: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The rows of `order` (`client_order`) restricted to the sites `cols` (increasing),
    as positions in `cols`: what `client_order(d[:, cols])` returns, without a sort."""
    n, m = order.shape
    cols = np.asarray(cols, dtype=np.int64)
    if cols.size == m:  # every site, in increasing order
        return order
    pos = np.full(m, -1, dtype=np.int64)
    pos[cols] = np.arange(cols.size)
    mapped = pos[order]
    return mapped[mapped >= 0].reshape(n, cols.size)


def assignment_cost(d: np.ndarray, w: np.ndarray, open_sites: np.ndarray) -> float:
    return float(w @ d[:, open_sites].min(axis=1))


def _nearest_two(d: np.ndarray, open_: np.ndarray):
    """Per row of d: slot of the nearest open site, slot of the second, and both distances."""
    n, p = d.shape[0], open_.size
    dd = d[:, open_]
    if p == 1:
        big = np.full(n, np.max(d, initial=0.0) * 2 + 1.0)
        return np.zeros(n, dtype=np.int64), np.full(n, -1), dd[:, 0], big
    part = np.argpartition(dd, 1, axis=1)[:, :2]
    v = np.take_along_axis(dd, part, axis=1)
    swap = v[:, 1] < v[:, 0]
    a = np.where(swap, part[:, 1], part[:, 0])
    b = np.where(swap, part[:, 0], part[:, 1])
    return a, b, np.minimum(v[:, 0], v[:, 1]), np.maximum(v[:, 0], v[:, 1])


def _terms(d: np.ndarray, w: np.ndarray, d1: np.ndarray, d2: np.ndarray):
    """The clients' part of G and rows of L in `swap_deltas`: sum_i w_i min(0, d - d1) (a
    vector product, no weighted copy) and w clip(d - d1, 0, d2 - d1)."""
    t = d - d1[:, None]
    g = w @ np.minimum(t, 0.0)
    np.clip(t, 0.0, (d2 - d1)[:, None], out=t)
    t *= w[:, None]
    return g, t


def swap_deltas(d: np.ndarray, w: np.ndarray, open_: np.ndarray) -> np.ndarray:
    """Change of cost for every swap (site j in, open slot r out), as a (sites x p) array.

    Whitaker's fast interchange: with d1/d2 a client's nearest/second-nearest open distance
    and a(i) the slot serving it, swapping j in and r out costs
        G_j + L_jr,  G_j  = sum_i w_i min(0, d_ij - d1_i)
                     L_jr = sum_{i: a(i)=r} w_i min(max(d_ij - d1_i, 0), d2_i - d1_i)
    L is a group sum of the clients' rows by their slot, so one pass costs O(clients x
    sites), not O(clients x sites x p). Open sites get +inf.
    """
    n = d.shape[0]
    a, _b, d1, d2 = _nearest_two(d, open_)
    g, t = _terms(d, w, d1, d2)
    group = sp.csr_matrix((np.ones(n), (a, np.arange(n))), shape=(open_.size, n))
    delta = (group @ t).T + g[:, None]
    delta[open_, :] = np.inf
    return delta


def heuristic(d: np.ndarray, w: np.ndarray, p: int, max_swaps: int | None = None,
              start: np.ndarray | None = None) -> np.ndarray:
    """Greedy (or `start`) + best-improvement vertex substitution; sorted open sites.

    All swaps are priced at once (`swap_deltas`) and the best is made while it helps. After
    a swap only the clients whose nearest or second-nearest open site changed alter G and
    L (Resende & Werneck's bookkeeping), so those rows are updated instead of all; with
    large p that is a few dozen clients per swap. G and L are rebuilt from scratch every
    `REBUILD` swaps and before stopping, so rounding cannot accumulate into a wrong stop.
    """
    n, m = d.shape
    open_ = greedy(d, w, p) if start is None else np.array(start, dtype=np.int64)
    if p >= m:
        return np.sort(open_)
    max_swaps = max_swaps if max_swaps is not None else 10 * p + 50
    rows = np.arange(n)
    stale = True
    since = 0
    for _ in range(max_swaps):
        if stale or since >= REBUILD:
            a, b, d1, d2 = _nearest_two(d, open_)
            g, t = _terms(d, w, d1, d2)
            G = g
            L = np.asarray(sp.csr_matrix((np.ones(n), (a, rows)), shape=(p, n)) @ t)
            stale, since = False, 0
        # the best slot per site first (min over the slots of L), then the best site: one
        # pass over L instead of building and scanning the sites x p array G + L^T
        best = G + L.min(axis=0)
        best[open_] = np.inf
        j = int(np.argmin(best))
        r = int(np.argmin(L[:, j]))
        if best[j] >= -1e-9 * max(1.0, float(w @ d1)):
            if since == 0:
                break
            stale = True  # confirm on fresh sums before stopping
            continue
        hit = np.flatnonzero((a == r) | (b == r) | (d[:, j] < d2))
        g_old, t_old = _terms(d[hit], w[hit], d1[hit], d2[hit])
        G -= g_old
        np.subtract.at(L, a[hit], t_old)
        open_[r] = j
        a[hit], b[hit], d1[hit], d2[hit] = _nearest_two(d[hit], open_)
        g_new, t_new = _terms(d[hit], w[hit], d1[hit], d2[hit])
        G += g_new
        np.add.at(L, a[hit], t_new)
        since += 1
    return np.sort(open_)


def greedy(d: np.ndarray, w: np.ndarray, p: int) -> np.ndarray:
    """Open p sites one by one, each the one that saves the most (order of opening).

    The saving of site j is S_j = sum_i w_i max(0, b_i - d_ij) with b_i the client's
    current distance; opening k changes b only for the clients nearer to k, so S is
    updated on those rows alone."""
    first = int(np.argmin(w @ d))
    chosen = [first]
    b = d[:, first].copy()
    S = w @ np.maximum(b[:, None] - d, 0.0)
    S[first] = -np.inf
    for _ in range(p - 1):
        k = int(np.argmax(S))
        chosen.append(k)
        ch = np.flatnonzero(d[:, k] < b)
        dc = d[ch]
        S -= w[ch] @ (np.maximum(b[ch, None] - dc, 0.0) - np.maximum(dc[:, k:k + 1] - dc, 0.0))
        b[ch] = dc[:, k]
        S[chosen] = -np.inf
    return np.array(chosen, dtype=np.int64)


#: swaps between two full rebuilds of the swap sums in `heuristic`
REBUILD = 64


def lagrangian_value(wdT: np.ndarray, lam: np.ndarray, p: int,
                     forced: int | None = None) -> tuple[float, np.ndarray]:
    """(L(lam), rho) exactly in float64, over the sites (rows) of `wdT` = (w_i d_ij)^T.

    Uses min(0, a - b) = min(a, b) - b, one pass over the matrix."""
    rho = np.minimum(wdT, lam).sum(axis=1) - lam.sum()
    return float(lam.sum() + rho[_smallest(rho, p, forced)].sum()), rho


def _smallest(rho: np.ndarray, p: int, forced: int | None = None) -> np.ndarray:
    """Indices of the p smallest entries of rho (with `forced` always among them)."""
    if p >= rho.size:
        return np.arange(rho.size)
    if forced is None:
        return np.argpartition(rho, p - 1)[:p]
    r2 = rho.copy()
    r2[forced] = -np.inf
    return np.argpartition(r2, p - 1)[:p]


def lagrangian(d: np.ndarray, w: np.ndarray, p: int, ub: float, iters: int = 1500,
               lam: np.ndarray | None = None, step: float = 0.0, stall_limit: int = 30,
               forced: int | None = None, f0: float = 2.0, cols: np.ndarray | None = None,
               shrink: bool = False, check_every: int = 100, order: np.ndarray | None = None):
    """Subgradient ascent on L(lam); returns (best bound, its lam, its rho).

    The iterations run in float32 on (sites x clients), which halves the memory traffic;
    every bound returned or used to fix a site is recomputed exactly in float64
    (`lagrangian_value`), and L(lam) <= OPT for every lam, so rounding only costs steps.
    `cols` restricts the sites; with `shrink`, every `check_every` iterations the sites
    that `fix_sites` closes are dropped from the work (they are closed in every plan better
    than `ub`, so the restricted bound still bounds every such plan). rho has one entry per
    column of d, +inf for the sites not worked on. Stops early once the bound proves `ub`
    optimal (ub - L < step for integer data), which is also how a probe (`forced` site
    always open, an index into `cols`) proves that site useless. `order`: `client_order(d)`
    if the caller has it (w_i >= 0 scales a row without changing its order).
    """
    _n, m = d.shape
    act = np.arange(m) if cols is None else np.asarray(cols, dtype=np.int64)
    exact = np.ascontiguousarray((d[:, act] * w[:, None]).T)
    work = exact.astype(np.float32)
    if lam is None:
        k = min(1, act.size - 1)
        lam = np.partition(exact, k, axis=0)[k].copy()
    lam = np.asarray(lam, dtype=float)

    def closes(bound: float) -> bool:
        return ub - bound < step if step else ub - bound <= 1e-9 * max(1.0, abs(ub))

    best_est, best_lam = -np.inf, lam.copy()
    best_l, best_rho = lagrangian_value(exact, lam, p, forced)
    exact_lam = lam.copy()
    f, stall, fresh = f0, 0, False
    marks = [best_l]  # the exact bound at each checkpoint
    gain_tol = 0.1 * step if step else 1e-7 * max(1.0, abs(ub))
    buf = np.empty_like(work)
    near: _Near | None = _Near(work, None if order is None else order_within(order, act))
    for it in range(1, iters + 1):
        lam32 = lam.astype(np.float32)
        if near is not None and not near.fits(lam32):
            near = None  # lam has grown past most sites: the dense pass is cheaper now
        if near is not None:
            mask, ids = near.below(lam32)
            rho = near.rho(mask, ids, lam32)
        else:
            np.minimum(work, lam32, out=buf[: work.shape[0]])
            rho = buf[: work.shape[0]].sum(axis=1).astype(float) - float(lam32.sum(dtype=np.float64))
        sel = _smallest(rho, p, forced)
        lval = float(lam.sum() + rho[sel].sum())
        if lval > best_est + 1e-9:
            best_est, best_lam, stall, fresh = lval, lam.copy(), 0, True
        else:
            stall += 1
            if stall >= stall_limit:
                f, stall = f / 2, 0
        done = f < 1e-4 or it == iters
        if fresh and (done or it % check_every == 0 or closes(best_est)):
            val, r = lagrangian_value(exact, best_lam, p, forced)
            fresh = False
            if val > best_l:
                best_l, best_rho, exact_lam = val, r, best_lam.copy()
            if closes(best_l):
                break
            if shrink and forced is None and np.isfinite(ub) and act.size > p + 1:
                closed, _ = fix_sites(best_rho, best_l, p, ub, step)
                if closed.any() and (~closed).sum() > p:
                    act, exact, work = act[~closed], exact[~closed], work[~closed]
                    best_rho = best_rho[~closed]
                    if near is not None:
                        near.restrict(~closed)
                    best_est = -np.inf  # the restricted bound is another function
                    continue  # rho and sel were over the old rows
        if it % check_every == 0:
            marks.append(best_l)
            # the bound has stalled: two more checkpoints would not gain a tenth of a step
            if len(marks) > 2 and marks[-1] - marks[-3] < gain_tol:
                break
        if done:
            break
        if near is not None:
            insel = np.zeros(work.shape[0], dtype=bool)
            insel[sel] = True
            g = 1.0 - (mask & insel[ids]).sum(axis=1)
        else:
            g = 1.0 - (work[sel] < lam32).sum(axis=0)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = np.maximum(lam + f * (ub - lval) / norm * g, 0.0)
    rho_full = np.full(m, np.inf)
    rho_full[act] = best_rho
    return best_l, exact_lam, rho_full


class _Near:
    """Each client's sites sorted by w_i d_ij, for the subgradient's estimate.

    Only the sites nearer than lam_i count in rho and in the subgradient, and with large p
    that is a handful per client: over the first K sorted sites of every client (K grown
    while some client has more) one iteration costs O(clients x K) instead of
    O(clients x sites). Given up once K passes a quarter of the sites."""

    def __init__(self, work: np.ndarray, ids: np.ndarray | None = None):
        """`ids`: each client's sites (rows of `work`) in increasing order, if known."""
        cm = work.T
        self.ids = np.argsort(cm, axis=1, kind="stable") if ids is None else ids
        self.val = np.take_along_axis(cm, self.ids, axis=1)
        self.m = work.shape[0]
        self.k = min(8, self.m)

    def restrict(self, keep: np.ndarray) -> None:
        """Drop the sites where `keep` is False; every row loses the same ones, so the
        sorted rows stay sorted and rectangular (no new sort)."""
        n, m = self.ids.shape[0], int(keep.sum())
        inside = keep[self.ids]
        self.ids = (np.cumsum(keep) - 1)[self.ids[inside].reshape(n, m)]
        self.val = self.val[inside].reshape(n, m)
        self.m, self.k = m, min(self.k, m)

    def fits(self, lam32: np.ndarray) -> bool:
        while self.k < self.m and bool((self.val[:, self.k - 1] < lam32).any()):
            self.k = min(self.m, 2 * self.k)
        return 4 * self.k <= self.m

    def below(self, lam32: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask, site ids) over the window: mask[i, t] = t-th nearest site is below lam_i."""
        return self.val[:, : self.k] < lam32[:, None], self.ids[:, : self.k]

    def rho(self, mask: np.ndarray, ids: np.ndarray, lam32: np.ndarray) -> np.ndarray:
        diff = self.val[:, : self.k] - lam32[:, None]
        return np.bincount(ids[mask], weights=diff[mask], minlength=self.m)


def bound_and_incumbent(d: np.ndarray, w: np.ndarray, p: int, step: float,
                        order: np.ndarray | None = None):
    """Heuristic, Lagrangian, heuristic from the Lagrangian's choice, Lagrangian again,
    heuristic from the second Lagrangian's choice.

    Returns (open sites, UB, bound, rho, lam); rho is +inf at the sites the Lagrangian
    already closed. The second heuristic usually finds the optimum on instances with large
    p, and the better UB both speeds the subgradient and fixes more. The second Lagrangian
    works on the sites the first one left open only; its sharper multipliers pick a start
    that the last swap search turns into the optimum on rl1304 p=50 and fl1400 p=50 (then
    proven without branching) and to within 7 of it on vm1748 p=200 (free sites 1,136 ->
    268), for 0.01-0.14 s. `order`: `client_order(d)`, if known.
    """
    heur = heuristic(d, w, p)
    ub = assignment_cost(d, w, heur)
    lbound, lam, rho = lagrangian(d, w, p, ub, iters=300, step=step, shrink=True, order=order)
    if _open_gap(ub, lbound, step):
        heur, ub = _from_choice(d, w, p, rho, heur, ub)
        live = np.flatnonzero(np.isfinite(rho))
        l2, lam2, rho2 = lagrangian(d, w, p, ub, iters=1200, lam=lam, step=step,
                                    cols=live, shrink=True, order=order)
        if l2 > lbound:
            lbound, rho, lam = l2, rho2, lam2
            if _open_gap(ub, lbound, step):
                heur, ub = _from_choice(d, w, p, rho, heur, ub)
    return heur, ub, lbound, rho, lam


def _open_gap(ub: float, bound: float, step: float) -> bool:
    """The bound does not yet prove `ub` optimal."""
    return ub - bound >= max(step, 1e-9 * abs(ub))


def _from_choice(d: np.ndarray, w: np.ndarray, p: int, rho: np.ndarray, heur: np.ndarray,
                 ub: float) -> tuple[np.ndarray, float]:
    """The swap search started from the p sites of smallest rho (the Lagrangian's choice),
    if it beats (`heur`, `ub`); else those. Never worse than what it is given."""
    h = heuristic(d, w, p, start=np.argsort(rho, kind="stable")[:p])
    u = assignment_cost(d, w, h)
    return (h, u) if u < ub else (heur, ub)


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
