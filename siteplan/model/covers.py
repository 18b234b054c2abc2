"""Lifted cover inequalities on each plot's knapsack, separated on the LP before the MIP.

Why: each open site serves whole committees whose floor-area need fits its plot,
    Σ_{p∋s} need_c · x_p  ≤  a_s  ≤  K_s · y_s      (rows `area`, `maxarea`; K_s = a_s's bound)
a knapsack per site, which the LP relaxation fills fractionally. For a cover C of site s
(a set of its pairs whose needs together exceed K_s) no plan serves all of C from s, so
    Σ_{p∈C∪E} x_p  ≤  (|C| − 1) · y_s
is valid for every plan (y_s = 0 closes the site; x_p ≤ y_s), where E, the extension, holds
the site's other pairs whose need is at least the largest in C (swapping one in keeps a
cover). The rows are global and only ever cut off fractional points: the optimum stays.

`add_cover_cuts` runs the loop: solve the LP, find each site's most violated cover
greedily (the classical ratio rule on 1 − x_p / y_s per m² of need), add the violated
ones as a row block `cover`, repeat for a few rounds. Solver-neutral: the LP goes through
`siteplan.backends.solve`, the rows into the model every backend reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siteplan.model.ir import INF, Model

#: a cover counts as violated when its slack is below this (in units of y_s)
MIN_VIOLATION = 1e-3


@dataclass
class CoverLoop:
    """What the loop did: rows added and the LP bound after each round."""

    rounds: int = 0
    rows: int = 0
    lp_bounds: list[float] | None = None
    seconds: float = 0.0


def plot_knapsacks(model: Model, pm) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(site of each pair, need of each pair, capacity of each site), or None when the model
    has no per-site area rows (street scope)."""
    if "area" not in model.row_blocks:
        return None
    inst = pm.inst
    cap = model.ub[pm.a].copy()
    return inst.pair_s, inst.area_need[inst.pair_c], cap


def separate_covers(x: np.ndarray, pm, knap: tuple[np.ndarray, np.ndarray, np.ndarray],
                    min_violation: float = MIN_VIOLATION) -> tuple[list[int], list[int], list[float], int]:
    """Violated extended covers at LP point `x`: COO (row, column, value) and the row count."""
    pair_s, need, cap = knap
    y, xp = x[pm.y], x[pm.x]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    n = 0
    order = np.argsort(pair_s, kind="stable")
    starts = np.searchsorted(pair_s[order], np.arange(len(cap) + 1))
    for s in np.flatnonzero((y > 1e-6) & np.isfinite(cap)):
        pairs = order[starts[s]:starts[s + 1]]
        w = need[pairs]
        if w.sum() <= cap[s] + 1e-9:
            continue  # every committee in reach fits: no cover exists
        frac = np.clip(xp[pairs] / y[s], 0.0, 1.0)
        pick = np.argsort((1.0 - frac) / np.maximum(w, 1e-12), kind="stable")
        total = np.cumsum(w[pick])
        k = int(np.searchsorted(total, cap[s] + 1e-6, side="right")) + 1  # first prefix over the cap
        cover = pick[:k]
        # minimal: drop members (least fractional first) while the rest still exceeds the cap
        for j in sorted(cover, key=lambda j: frac[j]):
            if w[cover].sum() - w[j] > cap[s] + 1e-6 and len(cover) > 2:
                cover = cover[cover != j]
        if (1.0 - frac[cover]).sum() >= 1.0 - min_violation:
            continue
        ext = np.setdiff1d(np.flatnonzero(w >= w[cover].max()), cover)
        members = np.concatenate([cover, ext])
        rows += [n] * (len(members) + 1)
        cols += [int(pm.x[p]) for p in pairs[members]] + [int(pm.y[s])]
        vals += [1.0] * len(members) + [-(len(cover) - 1.0)]
        n += 1
    return rows, cols, vals, n


def with_rows(model: Model, rows: list[int], cols: list[int], vals: list[float], n: int,
              block: str = "cover") -> Model:
    """`model` with n rows (COO, ≤ 0) appended to its row block `block`."""
    new = sp.csr_matrix((vals, (rows, cols)), shape=(n, model.n_vars))
    A = sp.vstack([model.A, new], format="csr")
    blocks = dict(model.row_blocks)
    old = blocks.get(block)
    if old is not None and old.stop != model.n_rows:
        raise ValueError(f"row block {block!r} is not the last block")
    blocks[block] = slice(old.start if old is not None else model.n_rows, model.n_rows + n)
    return model.replace(A=A, row_lb=np.append(model.row_lb, np.full(n, -INF)),
                         row_ub=np.append(model.row_ub, np.zeros(n)), row_blocks=blocks)


#: solves the LP relaxation of a model within the seconds given (None: no limit) and returns
#: (point, objective), or None without an optimum; the caller picks the backend
LpSolver = Callable[[Model, "float | None"], "tuple[np.ndarray, float] | None"]


def add_cover_cuts(model: Model, pm, solve_lp: LpSolver, rounds: int = 5,
                   time_limit: float | None = None) -> tuple[Model, CoverLoop]:
    """The model with the violated covers of up to `rounds` LP rounds added (see module)."""
    import time

    t0 = time.perf_counter()
    info = CoverLoop(lp_bounds=[])
    knap = plot_knapsacks(model, pm)
    if knap is None:
        return model, info
    out = model
    for _ in range(rounds):
        left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            break
        got = solve_lp(out.replace(integer=np.zeros_like(out.integer), warm_start=None), left)
        if got is None:
            break
        x, objective = got
        assert info.lp_bounds is not None
        info.lp_bounds.append(objective)
        r, c, v, n = separate_covers(x, pm, knap)
        info.rounds += 1
        if n == 0:
            break
        out = with_rows(out, r, c, v, n)
        info.rows += n
    info.seconds = time.perf_counter() - t0
    return out, info
