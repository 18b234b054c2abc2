"""MCLP by a start plan, the LP dual and reduced-cost fixing, before one small MIP.

Why: the compact MCLP hands the solver every site, and at n = 1,000 (radius 100, p = 20)
HiGHS spends seconds on root cuts over sites that cannot be in any optimal plan. The LP
relaxation is tight here (gap ~0.3%), so its dual rules most sites out:

1. clients with the same coverers are merged (weights added), uncoverable ones dropped;
2. a start plan: greedy by covered weight, then best-improvement swaps;
3. the LP dual, solved by the route as an LP: lambda_i in [0, w_i] per client, and
       L(lambda) = sum_i (w_i - lambda_i) + (sum of the p largest rho_j),
       rho_j = sum_{i covered by j} lambda_i,
   the Lagrangian of the cover rows, which bounds every plan for *any* lambda >= 0 (so the
   fixing below stays exact whatever the LP's accuracy);
4. a MIP on the sites of zero LP reduced cost (rho_j >= mu, a superset of every optimal LP's
   support) plus the start plan: a better plan, cheaply;
5. reduced-cost fixing against the best plan: a site outside the p largest rho whose bound
   with it open, L - rho_(p) + rho_j, is below best + step cannot be in a strictly better
   plan and is closed; a site among them whose bound without it, L - rho_j + rho_(p+1), is
   below best + step is fixed open. Sites of the best plan are never closed (and only they
   are fixed open), so the best plan stays feasible and is the final MIP's start;
6. the MIP on what is left (HiGHS: no restart, no sub-MIP heuristics, see `models.covering_options`).
   Its optimum is the MCLP's: the plans fixing excluded are no better than best.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from siteplan.classic.models import _remaining, covering_options
from siteplan.model.ir import Model, ModelBuilder
from siteplan.result import SolveOptions, Solver, SolveResult, Termination

#: fixing rounds (one dual LP each), and the share of free sites a round must fix to go on
MAX_ROUNDS = 10
MIN_GAIN = 0.01
#: time cap of the MIP on the LP's support (it only looks for a better start)
SUPPORT_SECONDS = 5.0


@dataclass
class Cover:
    """Merged clients x sites 0/1 coverage (CSR) and the merged client weights."""

    A: sp.csr_matrix
    w: np.ndarray


@dataclass
class FixResult:
    open_sites: np.ndarray
    objective: float
    bound: float
    proven: bool
    solves: int = 0
    solve_seconds: float = 0.0
    version: str = ""
    limit: str | None = None
    stats: dict = field(default_factory=dict)


def merge(A: sp.csr_matrix, w: np.ndarray) -> Cover:
    """Drop clients without a coverer and merge those with the same coverers."""
    A = sp.csr_matrix(A, dtype=np.float64)
    A.sort_indices()
    keys: dict[bytes, int] = {}
    group = np.empty(A.shape[0], dtype=np.int64)
    first: list[int] = []
    ind, ptr = A.indices, A.indptr
    for i in range(A.shape[0]):
        if ptr[i] == ptr[i + 1]:
            group[i] = -1
            continue
        k = ind[ptr[i] : ptr[i + 1]].tobytes()
        g = keys.setdefault(k, len(first))
        if g == len(first):
            first.append(i)
        group[i] = g
    use = group >= 0
    wm = np.bincount(group[use], weights=w[use], minlength=len(first))
    return Cover(A=A[np.array(first, dtype=np.int64)] if first else A[:0], w=wm)


def covered_weight(c: Cover, open_sites: np.ndarray) -> float:
    y = np.zeros(c.A.shape[1])
    y[open_sites] = 1.0
    return float(c.w @ ((c.A @ y) > 0.5))


def greedy(c: Cover, p: int) -> np.ndarray:
    """p sites, each the one adding the most uncovered weight (ties: lowest index)."""
    At = c.A.T.tocsr()
    left = c.w.copy()
    chosen: list[int] = []
    for _ in range(p):
        gain = At @ left
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        left[At.indices[At.indptr[j] : At.indptr[j + 1]]] = 0.0
    return np.array(sorted(chosen), dtype=np.int64)


def swap(c: Cover, open_sites: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Best-improvement 1-swaps (one site out, one in) until none gains weight.

    For site j in and k out the change is gain_j - loss_k + S_jk: the uncovered weight j
    adds, minus the weight only k covers, plus the part of that which j also covers."""
    A, w = c.A, c.w
    At = A.T.tocsr()
    m = A.shape[1]
    open_ = np.array(open_sites, dtype=np.int64)
    for _ in range(10 * m):
        y = np.zeros(m)
        y[open_] = 1.0
        cnt = A @ y
        gain = At @ (w * (cnt < 0.5))
        single = np.flatnonzero(np.abs(cnt - 1.0) < 0.5)
        sub = A[single][:, open_].tocoo()  # each single row has one entry: its owner
        owner = np.empty(single.size, dtype=np.int64)
        owner[sub.row] = sub.col
        B = sp.csr_matrix((w[single], (single, owner)), shape=(A.shape[0], open_.size))
        loss = np.bincount(owner, weights=w[single], minlength=open_.size)
        S = (At @ B).toarray()
        delta = gain[:, None] - loss[None, :] + S
        delta[open_, :] = -np.inf
        j, k = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[j, k] <= tol * (1.0 + float(w.sum())):
            break
        open_[k] = j
    return np.sort(open_)


def dual_model(c: Cover, p: int) -> Model:
    """The LP dual of the MCLP relaxation (min), with nu_i = w_i - lambda_i eliminated:
    min sum_i (w_i - lambda_i) + p mu + sum_j pi_j  s.t.  rho_j(lambda) - mu - pi_j <= 0."""
    n, m = c.A.shape
    b = ModelBuilder("mclp-dual")
    lam = b.add_vars("lam", n, ub=c.w, cost=-1.0)
    mu = b.add_vars("mu", 1, lb=-np.inf, cost=float(p))
    pi = b.add_vars("pi", m, cost=1.0)
    coo = c.A.tocoo()
    j = np.arange(m)
    b.add_rows(
        "site",
        m,
        np.r_[coo.col, j, j],
        np.r_[lam[coo.row], np.full(m, mu[0]), pi],
        np.r_[np.ones(coo.nnz), -np.ones(m), -np.ones(m)],
        ub=0.0,
    )
    b.offset = float(c.w.sum())
    return b.finish(meta={"kind": "mclp-dual"})


def lagrangian(c: Cover, lam: np.ndarray, p: int) -> tuple[float, np.ndarray]:
    """(L(lambda), rho): a valid upper bound on every plan's covered weight, lambda >= 0."""
    lam = np.clip(lam, 0.0, c.w)
    rho = c.A.T @ lam
    top = np.sort(rho)[::-1][:p]
    return float((c.w - lam).sum() + top.sum()), rho


def fix(rho: np.ndarray, bound: float, p: int, best: np.ndarray, threshold: float):
    """(closed, opened) masks: sites whose bound with (without) them is below `threshold`."""
    m = rho.size
    order = np.argsort(-rho, kind="stable")
    top = np.zeros(m, dtype=bool)
    top[order[:p]] = True
    rp = rho[order[p - 1]]
    rq = rho[order[p]] if p < m else -np.inf
    in_best = np.zeros(m, dtype=bool)
    in_best[best] = True
    closed = ~top & ~in_best & (bound - rp + rho < threshold)
    opened = top & in_best & (bound - rho + rq < threshold)
    return closed, opened


def restrict(c: Cover, free: np.ndarray, fixed: np.ndarray) -> tuple[Cover, float]:
    """The problem over sites `free` with `fixed` open: the clients no fixed site covers,
    merged again over the free sites, and the weight the fixed sites cover."""
    yf = np.zeros(c.A.shape[1])
    yf[fixed] = 1.0
    done = (c.A @ yf) > 0.5
    return merge(c.A[~done][:, free], c.w[~done]), float(c.w[done].sum())


def mip_model(sub: Cover, k: int, base: float, start: np.ndarray | None) -> Model:
    """The compact MCLP of `sub` with k sites, plus the constant `base`; `start` (sites of
    `sub`) is the warm start."""
    n, m = sub.A.shape
    b = ModelBuilder("mclp-core")
    y = b.add_vars("y", m, ub=1.0, integer=True)
    u = b.add_vars("u", n, ub=1.0, cost=-sub.w)
    coo = sub.A.tocoo()
    b.add_rows(
        "cover",
        n,
        np.r_[np.arange(n), coo.row],
        np.r_[u, y[coo.col]],
        np.r_[np.ones(n), -np.ones(coo.nnz)],
        ub=0.0,
    )
    b.add_rows("p", 1, np.zeros(m), y, 1.0, lb=float(k), ub=float(k))
    b.offset = -base
    model = b.finish(sense="max", meta={"kind": "mclp"})
    if start is not None:
        ys = np.zeros(m)
        ys[start] = 1.0
        model = model.replace(warm_start=np.r_[ys, np.minimum(sub.A @ ys, 1.0)])
    return model


def solve(
    A: sp.csr_matrix, w: np.ndarray, p: int, solver: Solver, options: SolveOptions, step: float
) -> FixResult:
    """Exact MCLP on coverage `A` (clients x sites) with weights `w`; `options` already ask
    for a proof (gap below `step`, 1 for integer weights, else 0)."""
    t0 = time.perf_counter()
    c = merge(A, np.asarray(w, dtype=float))
    m = A.shape[1]
    stats: dict = {"merged_clients": int(c.A.shape[0])}
    best = swap(c, greedy(c, p))
    lb = covered_weight(c, best)
    stats["start"], stats["start_s"] = lb, round(time.perf_counter() - t0, 4)
    out = FixResult(open_sites=best, objective=lb, bound=float(c.w.sum()), proven=False)
    tol = 1e-6 * (1.0 + abs(float(c.w.sum())))

    def run(model: Model, opts: SolveOptions, what: str, cap: float | None = None) -> SolveResult:
        o = _remaining(opts, t0)
        if cap is not None:  # a helper step, not the proof: keep it short
            o = replace(o, time_limit=cap if o.time_limit is None else min(cap, o.time_limit))
        res = solver(model, o)
        stats[what + "_s"] = round(stats.get(what + "_s", 0.0) + res.solve_seconds, 4)
        out.solves += 1
        out.solve_seconds += res.solve_seconds
        out.version = res.backend_version or out.version
        return res

    def settled() -> bool:  # no plan beats lb by a step
        return out.bound < lb + step - tol or lb >= out.bound - tol

    free, fixed = np.arange(m), np.zeros(0, np.int64)
    for rnd in range(MAX_ROUNDS):
        sub, base = restrict(c, free, fixed)
        k = p - fixed.size
        if k == 0:  # every site fixed open: the best plan is the only one left
            out.bound = min(out.bound, lb)
            break
        dual = dual_model(sub, k)
        res = run(dual, options, "dual_lp")
        if not res.status.has_solution or res.x is None:
            break
        lsub, rho = lagrangian(sub, dual.block(res.x, "lam"), k)
        # plans outside free + fixed were shown no better than lb
        out.bound = min(out.bound, max(base + lsub, lb))
        stats.setdefault("lp_bound", base + lsub)
        if settled():
            break
        if rnd == 0:
            mu = float(dual.block(res.x, "mu")[0])
            best, lb = _support_plan(
                sub, k, np.flatnonzero(rho >= mu - tol), best, lb, options, run
            )
            stats["support_plan"] = lb
            if settled():
                break
        local = np.flatnonzero(np.isin(free, best))
        closed, opened = fix(rho, lsub, k, local, lb - base + step - tol)
        fixed = np.union1d(fixed, free[opened])
        free = free[~closed & ~opened]
        stats["rounds"] = rnd + 1
        stats.setdefault("round_fixed", []).append(int(closed.sum() + opened.sum()))
        if closed.sum() + opened.sum() < MIN_GAIN * (free.size + 1):
            break
    stats.update(closed=int(m - free.size - fixed.size), fixed_open=int(fixed.size))
    out.proven = settled()
    if not out.proven:
        # the covering MIPs' HiGHS settings (no restart: it would presolve the small core
        # again; no sub-MIP heuristics: the start plan and the fixing did their work;
        # n = 1,000: 0.80 -> 0.39 CPU s)
        opts = covering_options(solver, options)
        sub, base = restrict(c, free, fixed)
        model = mip_model(sub, p - fixed.size, base, np.flatnonzero(np.isin(free, best)))
        stats["core_sites"], stats["core_clients"] = int(free.size), int(sub.A.shape[0])
        r = run(model, opts, "core_mip")
        if r.status.has_solution and r.x is not None:
            plan = np.r_[fixed, free[model.block(r.x, "y") > 0.5]].astype(np.int64)
            if plan.size == p and covered_weight(c, plan) > lb:
                best, lb = np.sort(plan), covered_weight(c, plan)
        mb = model.user_objective(r.bound)
        if r.status == Termination.OPTIMAL:
            out.proven = True
        elif mb is not None:  # fixed-out plans are no better than lb
            out.bound = min(out.bound, max(mb, lb))
        out.limit = r.limit
    out.open_sites, out.objective = best, lb
    if out.proven:
        out.bound = lb
    out.stats = stats
    return out


def _support_plan(
    sub: Cover, k: int, near: np.ndarray, best: np.ndarray, lb: float, options: SolveOptions, run
) -> tuple[np.ndarray, float]:
    """A better plan from a MIP on the LP's support plus `best` (`sub`: the whole problem).

    Every optimal LP lives on `near`, the sites of zero reduced cost (rho_j >= mu): the LP
    there is the LP, and small; its fractional support is smaller still."""
    keep = np.union1d(near, best)
    part = Cover(A=sub.A[:, keep].tocsr(), w=sub.w)
    model = mip_model(part, k, 0.0, None)
    lp = run(model.replace(integer=np.zeros_like(model.integer)), options, "primal_lp")
    if lp.status.has_solution and lp.x is not None:
        keep = np.union1d(keep[model.block(lp.x, "y") > 1e-6], best)
    part = Cover(A=sub.A[:, keep].tocsr(), w=sub.w)
    model = mip_model(part, k, 0.0, np.flatnonzero(np.isin(keep, best)))
    r = run(model, options, "support_mip", cap=SUPPORT_SECONDS)
    if r.status.has_solution and r.x is not None:
        plan = np.sort(keep[model.block(r.x, "y") > 0.5])
        value = covered_weight(sub, plan)
        if plan.size == k and value > lb:
            return plan, value
    return best, lb
