r"""Tried and dropped (issue 13 item 5, perf/sweep8): MIR cuts of each site's area row.

Why it was tried: the coverage phase's LP fills each existing site's free floor area E_s
(and each new site's minimum area) exactly with fractional committees, and HiGHS spends
about 5 CPU s of every point closing that gap with its own c-MIR separator. Per site, with
B_s the breakpoint (a_s's lower bound, or the minimum area on a `minarea` row),

    Σ_{p∋s} need_p x_p ≤ B_s y_s + t_s,   t_s = a_s − B_s y_s ≥ 0,

and the mixed-integer rounding of that row (x_p ≥ 0.5 complemented, y_s complemented,
divisor δ = a pair's need) is valid for every plan. Ten LP rounds move the 38M point's LP
bound from 843,283 to 835,917 (the optimum is about 832,800), but HiGHS runs its own cut
loop just as long afterwards, so the MIP is not faster (20.8 / 17.3 / 13.0 CPU s at
20M / 38M / 50M against 20.6-26.4 / 12.4-30.0 / 8.7 without): not put in the model.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siteplan.model.ir import INF, Model


def breakpoints(model: Model, pm) -> np.ndarray:
    """B_s per site: a_s's lower bound, raised to the minimum area where a `minarea` row has one."""
    b = model.lb[pm.a].copy()
    if "minarea" in model.row_blocks:
        rows = model.A.tocsr()[model.row_blocks["minarea"]].tocoo()
        site_of_col = {int(c): s for s, c in enumerate(pm.a)}
        for r in range(rows.shape[0]):
            sel = rows.row == r
            cols, vals = rows.col[sel], rows.data[sel]
            s = site_of_col[int(cols[vals > 0][0])]
            b[s] = max(b[s], -float(vals[vals < 0][0]))
    return b


def separate(x: np.ndarray, pm, b: np.ndarray, min_violation: float = 1e-3):
    """The most violated MIR row per site at LP point x: COO rows, columns, values, right-hand sides."""
    inst = pm.inst
    need = inst.area_need[inst.pair_c]
    order = np.argsort(inst.pair_s, kind="stable")
    starts = np.searchsorted(inst.pair_s[order], np.arange(inst.n_sites + 1))
    y, xp, a = x[pm.y], x[pm.x], x[pm.a]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    rhs: list[float] = []
    for s in np.flatnonzero(y > 1e-6):
        pairs = order[starts[s] : starts[s + 1]]
        w, xv = need[pairs], xp[pairs]
        if not ((xv > 1e-6) & (xv < 1 - 1e-6)).any():
            continue
        up = xv >= 0.5
        sign = np.where(up, -1.0, 1.0)
        best = None
        for d in np.unique(w[xv > 1e-6]):
            beta = (b[s] - w[up].sum()) / d
            f = beta - np.floor(beta)
            if not 1e-6 < f < 1 - 1e-6:
                continue
            g = sign * w / d
            fg = np.floor(g) + np.maximum(0.0, g - np.floor(g) - f) / (1 - f)
            gy = b[s] / d
            fy = np.floor(gy) + max(0.0, gy - np.floor(gy) - f) / (1 - f)
            scale = d * (1 - f)
            c = scale * sign * fg
            ky = b[s] - scale * fy
            r = scale * (np.floor(beta) - fg[up].sum() - fy)
            viol = (c @ xv + ky * y[s] - a[s] - r) / scale
            if viol > min_violation and (best is None or viol > best[0]):
                best = (viol, c, ky, r)
        if best is None:
            continue
        _, c, ky, r = best
        nz = np.abs(c) > 1e-12
        rows += [len(rhs)] * (int(nz.sum()) + 2)
        cols += [int(pm.x[p]) for p in pairs[nz]] + [int(pm.y[s]), int(pm.a[s])]
        vals += [*c[nz].tolist(), float(ky), -1.0]
        rhs.append(float(r))
    return rows, cols, vals, rhs


def add_area_mir(model: Model, pm, solve_lp, rounds: int) -> tuple[Model, list[float]]:
    """The model with up to `rounds` LP rounds of violated MIR rows (block `mir`), and the LP bounds."""
    b = breakpoints(model, pm)
    out, bounds = model, []
    for _ in range(rounds):
        got = solve_lp(out.replace(integer=np.zeros_like(out.integer), warm_start=None), None)
        if got is None:
            break
        bounds.append(got[1])
        rows, cols, vals, rhs = separate(got[0], pm, b)
        if not rhs:
            break
        new = sp.csr_matrix((vals, (rows, cols)), shape=(len(rhs), out.n_vars))
        blocks = dict(out.row_blocks)
        start = blocks["mir"].start if "mir" in blocks else out.n_rows
        blocks["mir"] = slice(start, out.n_rows + len(rhs))
        out = out.replace(
            A=sp.vstack([out.A, new], format="csr"),
            row_blocks=blocks,
            row_lb=np.append(out.row_lb, np.full(len(rhs), -INF)),
            row_ub=np.append(out.row_ub, rhs),
        )
    return out, bounds
