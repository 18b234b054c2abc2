"""The classic location models, built into the neutral `Model`, decoded and checked.

Notation: clients i (rows of `cost`), sites j (columns), d_ij = cost[i, j], weight/demand w_i,
y_j = 1 if site j opens. Every problem object builds a `Model`, decodes a solver vector into a
`ClassicSolution`, and `check`s a solution from the data alone (no solver numbers are trusted).

p-median (`PMedian`), distance-level formulation (Elloumi 2010, the Cornuejols-Nemhauser-Wolsey
levels) written as a chain so the matrix stays sparse. For client i let D_i^0 < ... < D_i^{K-1}
be its distinct distances to candidate sites, L(i,j) the level of site j, and z_i^k = 1 when
no open site is closer than D_i^k:
    min  sum_i w_i [ D_i^0 + sum_{k>=1} (D_i^k - D_i^{k-1}) z_i^k ]
    s.t. z_i^1 + sum_{j: L(i,j)=0} y_j >= 1
         z_i^k - z_i^{k-1} + sum_{j: L(i,j)=k-1} y_j >= 0      k = 2..K_i-1
         sum_j y_j = p,   z >= 0,  y binary
  Telescoping gives z_i^k >= 1 - sum_{j: d_ij < D_i^k} y_j, the Elloumi rows, with nnz
  O(sites + levels) per client instead of O(levels * sites). Dominated levels are removed: with
  p sites open a client is never farther than its (m - p + 1)-th closest site, nor farther than
  a site fixed open. `solve()` first runs the Lagrangian bound, a swap heuristic and reduced-cost
  site fixing (`pmedian_reduce`), then solves this model on the surviving sites only.

p-center (`PCenter`): binary search over the sorted distinct distances R. For a radius R the
  set-covering model min sum y_j s.t. sum_{j: d_ij <= R} y_j >= 1 says whether p sites suffice;
  the smallest feasible R is optimal, and the cover at the next smaller distance needing more
  than p sites (proven) is the certificate. Default: each probe is decided on the reduced
  cover by forced sites, a greedy, the LP bound, and only then a MIP (`pcenter_search`);
  method 'probe' solves one plain set-cover MIP per probe.

LSCP (`SetCover`): min sum_j f_j y_j  s.t. sum_{j: d_ij <= R} y_j >= 1 for every client.
  Default: essential sites, dominated rows and columns removed first (`cover_reduce`), the
  core solved warm-started from a greedy; method 'compact' solves the plain model.

MCLP (`MaxCover`): max sum_i w_i u_i  s.t. u_i <= sum_{j: d_ij <= R} y_j,  sum_j y_j = p,
  0 <= u_i <= 1 (integral at any optimum with y integral). Default: a swap-heuristic plan, the
  LP dual's reduced-cost fixing of the sites, then this model on the sites left (`mclp_fix`);
  method 'compact' solves the plain model.

UFLP (`UFLP`): the same chained levels as the p-median, plus fixed costs and no p row:
    min sum_j f_j y_j + sum_i [ c_i^0 + sum_k (c_i^k - c_i^{k-1}) z_i^k ]   (c_ij = all of i)
  This is as strong as the x_ij <= y_j formulation with O(nm) nonzeros.

CFLP (`CFLP`), splittable demand (OR-Library capopt), x_ij = share of client i served by j:
    min sum_j f_j y_j + sum_ij c_ij x_ij
    s.t. sum_j x_ij = 1;  sum_i d_i x_ij <= Q_j y_j;  sum_j Q_j y_j >= sum_i d_i
         x_ij <= y_j (the strong rows: all, none, or added lazily from LP rounds),  y binary
  `single_source=True` makes x binary (SSCFLP). The x_ij <= y_j rows are implied for integer
  y by the capacity rows, so any subset keeps the model exact; they only tighten the bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from siteplan.classic import cover_reduce
from siteplan.classic.io import LocationData, read_any
from siteplan.errors import InfeasibleError, InputError
from siteplan.model.ir import Model, ModelBuilder
from siteplan.result import SolveOptions, Solver, SolveResult, Termination, relative_gap

TOL = 1e-6


# ---------------------------------------------------------------- results


@dataclass
class ClassicSolution:
    """A decoded plan: open sites plus who is served where (or covered)."""

    open_sites: np.ndarray
    assign: np.ndarray | None = None  # client -> site (-1: none)
    alloc: np.ndarray | None = None  # clients x sites shares (splittable CFLP)
    covered: np.ndarray | None = None  # MCLP
    radius: float | None = None  # p-center


@dataclass
class CheckReport:
    """Independent check: the objective and every rule recomputed from the plan and data."""

    ok: bool
    objective: float
    problems: list[str] = field(default_factory=list)


@dataclass
class ClassicResult:
    kind: str
    name: str
    backend: str
    status: Termination
    objective: float | None
    bound: float | None
    gap: float | None
    solution: ClassicSolution | None
    check: CheckReport | None
    build_seconds: float
    solve_seconds: float
    method: str
    backend_version: str = ""
    limit: str | None = None
    solves: int = 0
    message: str = ""
    stats: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "kind": self.kind, "name": self.name, "backend": self.backend,
            "version": self.backend_version, "status": self.status.value,
            "limit": self.limit, "objective": self.objective, "bound": self.bound,
            "gap": self.gap, "build_seconds": round(self.build_seconds, 4),
            "solve_seconds": round(self.solve_seconds, 4), "method": self.method,
            "solves": self.solves, "check_ok": None if self.check is None else self.check.ok,
            "check_objective": None if self.check is None else self.check.objective,
            "check_problems": [] if self.check is None else self.check.problems[:5],
            "open_sites": None if self.solution is None else
            [int(j) for j in self.solution.open_sites],
            "message": self.message, "stats": self.stats,
        }


def _options(options: SolveOptions | None) -> SolveOptions:
    return options if options is not None else SolveOptions()


def _remaining(options: SolveOptions, t_start: float) -> SolveOptions:
    """A copy of options whose time limit is what is left of the overall budget."""
    if options.time_limit is None:
        return replace(options)
    return replace(options, time_limit=max(1.0, options.time_limit - (time.perf_counter() - t_start)))


def _exact(options: SolveOptions, step: float) -> SolveOptions:
    """Unless the user chose gaps, ask for a proof: gap below one objective step."""
    return replace(options,
                   mip_gap=1e-9 if options.mip_gap is None else options.mip_gap,
                   abs_gap=(0.5 * step if step else 1e-6) if options.abs_gap is None else options.abs_gap)


def _granularity(*arrays) -> float:
    """1 when all data are integers (objective values then step by 1), else 0."""
    for a in arrays:
        if a is not None and not np.all(a == np.round(a)):
            return 0.0
    return 1.0


# ---------------------------------------------------------------- base


class ClassicProblem:
    kind = ""
    sense = "min"

    def __init__(self, data: LocationData):
        self.data = data
        self.name = data.name

    @classmethod
    def from_cost_matrix(cls, cost, **kw):
        """From a clients x sites array (list of lists or numpy)."""
        arr = np.asarray(cost, dtype=float)
        if arr.ndim != 2 or arr.size == 0:
            raise InputError(f"cost matrix must be 2-D and non-empty, got shape {arr.shape}",
                             fix="pass clients x sites costs")
        if not np.all(np.isfinite(arr)):
            raise InputError("cost matrix has non-finite values",
                             fix="use a large finite cost for forbidden pairs")
        name = kw.pop("name", "matrix")
        data = LocationData(name=name, cost=arr)
        for key in ("demand", "fixed_cost", "capacity"):
            if kw.get(key) is not None:
                setattr(data, key, np.asarray(kw.pop(key), dtype=float))
            else:
                kw.pop(key, None)
        return cls(data, **kw)

    @classmethod
    def from_file(cls, path, fmt: str | None = None, capacity: float | None = None, **kw):
        """From any supported file (format guessed from the name unless `fmt` is given)."""
        return cls(read_any(path, fmt, capacity=capacity), **kw)

    # subclasses implement these
    def build(self) -> Model:  # pragma: no cover - abstract
        raise NotImplementedError

    def decode(self, model: Model, x: np.ndarray) -> ClassicSolution:
        """Open sites from the `y` block; every client to its nearest open site."""
        open_sites = np.flatnonzero(model.block(x, "y") > 0.5)
        return ClassicSolution(open_sites=open_sites,
                               assign=_nearest_open(self.data.cost, open_sites)[0])

    def check(self, sol: ClassicSolution) -> CheckReport:  # pragma: no cover
        raise NotImplementedError

    def solve(self, solver: Solver, options: SolveOptions | None = None,
              method: str = "auto") -> ClassicResult:
        """Build once, solve once with `solver` (`siteplan.backends.solver_for(route)`),
        decode and check."""
        options = _exact(_options(options), self._step())
        t0 = time.perf_counter()
        model = self.build()
        build_s = time.perf_counter() - t0
        res = solver(model, options)
        return self._finish(model, res, build_s, "compact")

    def _finish(self, model: Model, res: SolveResult, build_s: float, method: str,
                solves: int = 1, extra_solve_s: float = 0.0, stats=None,
                bound_override=None) -> ClassicResult:
        sol = check = None
        obj = model.user_objective(res.objective)
        bound = model.user_objective(res.bound)
        if bound_override is not None:
            bound = bound_override
        if res.status.has_solution and res.x is not None:
            sol = self.decode(model, res.x)
            check = self.check(sol)
        return ClassicResult(
            kind=self.kind, name=self.name, backend=res.backend, status=res.status,
            objective=obj, bound=bound, gap=relative_gap(obj, bound), solution=sol,
            check=check, build_seconds=build_s + res.build_seconds,
            solve_seconds=res.solve_seconds + extra_solve_s, method=method,
            backend_version=res.backend_version, limit=res.limit, solves=solves,
            message=res.message, stats=stats or {})

    # shared helpers
    def _step(self) -> float:
        return _granularity(self.data.cost, self.data.demand, self.data.fixed_cost)

    def _weights(self) -> np.ndarray:
        d = self.data.demand
        return np.ones(self.data.n_clients) if d is None else np.asarray(d, dtype=float)

    def _need(self, attr: str, fix: str):
        val = getattr(self.data, attr)
        if val is None:
            raise InputError(f"{self.kind} needs {attr.replace('_', ' ')} data, which "
                             f"{self.name} does not have", fix=fix)
        return val


def _nearest_open(cost: np.ndarray, open_sites: np.ndarray):
    if open_sites.size == 0:
        return np.full(cost.shape[0], -1), np.full(cost.shape[0], np.inf)
    sub = cost[:, open_sites]
    k = np.argmin(sub, axis=1)
    return open_sites[k], sub[np.arange(cost.shape[0]), k]


# ---------------------------------------------------------------- distance levels


def _level_rows(cost: np.ndarray, sites: np.ndarray, cap: np.ndarray, y_col: np.ndarray,
                first_z: int, first_row: int):
    """COO triplets and z data of the chained level rows for all clients.

    `sites` are the candidate site indices, `y_col[k]` the column of y for sites[k], `cap[i]`
    the largest level distance worth keeping for client i. Returns rows, cols, vals, row lower
    bounds, z costs (unweighted), z owner client, base distance per client, and counts.
    """
    n = cost.shape[0]
    sub = cost[:, sites]
    order = np.argsort(sub, axis=1, kind="stable")
    ds = np.take_along_axis(sub, order, axis=1)
    new = np.ones_like(ds, dtype=bool)
    new[:, 1:] = ds[:, 1:] > ds[:, :-1]
    lvl = np.cumsum(new, axis=1) - 1  # level of each sorted entry
    keep_lvl = new & (ds <= cap[:, None])  # level starts that are kept
    n_levels = keep_lvl.sum(axis=1)  # K_i (level 0 always kept)
    n_levels = np.maximum(n_levels, 1)
    base = ds[:, 0]
    # z variables for levels 1..K_i-1
    nz = n_levels - 1
    z_start = np.concatenate([[0], np.cumsum(nz)])[:-1]
    total_z = int(nz.sum())
    # level distances of kept levels
    li, lj = np.nonzero(keep_lvl)
    lv = lvl[li, lj]
    lev_dist = ds[li, lj]
    # previous level distance (same client, level - 1)
    is_z = lv >= 1
    zi, zl = li[is_z], lv[is_z]
    zcol = z_start[zi] + zl - 1  # local z index
    zcost = np.empty(total_z)
    prev = np.empty(total_z)
    zcost[zcol] = lev_dist[is_z]
    # distance of level k-1 is the value at the previous kept level start
    prev_idx = np.flatnonzero(is_z) - 1
    prev[zcol] = lev_dist[prev_idx]
    zcost = zcost - prev
    zowner = np.empty(total_z, dtype=np.int64)
    zowner[zcol] = zi
    zlevel = np.empty(total_z, dtype=np.int64)
    zlevel[zcol] = zl
    # rows: one per z (level k row): z^k - z^{k-1} + sum_{L=k-1} y >= 0 (k=1: z^1 + ... >= 1)
    row_of_z = np.arange(total_z)
    r1 = [row_of_z]
    c1 = [first_z + row_of_z]
    v1 = [np.ones(total_z)]
    has_prev = zlevel >= 2
    r1.append(row_of_z[has_prev])
    c1.append(first_z + row_of_z[has_prev] - 1)
    v1.append(-np.ones(int(has_prev.sum())))
    # y entries: sorted entry (i, pos) with level L < K_i - 1 goes to the row of z^{L+1}
    ii = np.repeat(np.arange(n), sub.shape[1])
    L = lvl.ravel()
    use = L < (n_levels[ii] - 1)
    ii, L = ii[use], L[use]
    pos = order.ravel()[use]
    r1.append(z_start[ii] + L)
    c1.append(y_col[pos])
    v1.append(np.ones(ii.size))
    rlb = np.where(zlevel == 1, 1.0, 0.0)
    rows = np.concatenate(r1) + 0 * first_row
    return (rows, np.concatenate(c1), np.concatenate(v1), rlb, zcost, zowner, base, total_z)


# ---------------------------------------------------------------- p-median


class PMedian(ClassicProblem):
    """Choose p sites minimising the weighted distance of every client to its nearest site."""

    kind = "pmedian"

    def __init__(self, data: LocationData, p: int | None = None):
        super().__init__(data)
        p = p if p is not None else data.p
        if p is None:
            raise InputError("p-median needs p, the number of sites to open",
                             fix="pass --p N (or p=N)")
        if not 1 <= int(p) <= data.n_sites:
            raise InputError(f"p = {p} must be between 1 and the {data.n_sites} sites",
                             fix=f"pass a p from 1 to {data.n_sites}")
        self.p = int(p)

    def build(self, candidates: np.ndarray | None = None,
              fixed_open: np.ndarray | None = None) -> Model:
        """The chained distance-level model over `candidates` (default: all sites)."""
        cost, w, p = self.data.cost, self._weights(), self.p
        m = self.data.n_sites
        sites = np.arange(m) if candidates is None else np.asarray(candidates, dtype=np.int64)
        fixed = np.zeros(0, dtype=np.int64) if fixed_open is None else np.asarray(fixed_open)
        if sites.size < p:
            raise InfeasibleError(f"only {sites.size} candidate sites for p = {p}")
        sub = np.sort(cost[:, sites], axis=1)
        cap = sub[:, sites.size - p]  # dominated levels: never farther than this
        if fixed.size:
            cap = np.minimum(cap, cost[:, fixed].min(axis=1))
        b = ModelBuilder(f"pmedian:{self.name}")
        lb = np.zeros(sites.size)
        lb[np.isin(sites, fixed)] = 1.0
        ycol = b.add_vars("y", sites.size, lb=lb, ub=1.0, integer=True)
        rows, cols, vals, rlb, zc, zown, base, nz = _level_rows(cost, sites, cap, ycol,
                                                               b.n_vars, 0)
        b.add_vars("z", nz, lb=0.0, ub=1.0, cost=w[zown] * zc)
        b.add_rows("level", nz, rows, cols, vals, lb=rlb)
        b.add_rows("p", 1, np.zeros(sites.size), ycol, 1.0, lb=p, ub=p)
        b.offset = float(w @ base)
        return b.finish(meta={"sites": sites, "kind": self.kind})

    def decode(self, model: Model, x: np.ndarray) -> ClassicSolution:
        y = model.block(x, "y")
        open_sites = np.sort(model.meta["sites"][y > 0.5])
        assign, _ = _nearest_open(self.data.cost, open_sites)
        return ClassicSolution(open_sites=open_sites, assign=assign)

    def solution_from_sites(self, open_sites) -> ClassicSolution:
        open_sites = np.sort(np.asarray(open_sites, dtype=np.int64))
        assign, _ = _nearest_open(self.data.cost, open_sites)
        return ClassicSolution(open_sites=open_sites, assign=assign)

    def check(self, sol: ClassicSolution) -> CheckReport:
        probs = []
        cost, w = self.data.cost, self._weights()
        o = np.unique(sol.open_sites)
        if o.size != self.p:
            probs.append(f"{o.size} distinct sites open, p = {self.p}")
        if o.size and (o.min() < 0 or o.max() >= self.data.n_sites):
            return CheckReport(False, float("nan"), probs + ["site index out of range"])
        a = np.asarray(sol.assign)
        if a.shape != (self.data.n_clients,) or np.any(~np.isin(a, o)):
            probs.append("a client is assigned to a closed site")
            a = _nearest_open(cost, o)[0]
        d = cost[np.arange(cost.shape[0]), a]
        best = _nearest_open(cost, o)[1]
        if np.any(d > best + TOL):
            probs.append("a client is not served by its nearest open site")
        return CheckReport(not probs, float(w @ d), probs)

    def solve(self, solver: Solver, options: SolveOptions | None = None,
              method: str = "auto") -> ClassicResult:
        """Methods: 'compact' (one model), 'reduce' (bound, heuristic, fixing, one MIP on the
        surviving sites), 'benders' (the same reduction, then Benders re-solving integer
        masters on `solver`), 'bbc' (the reduction, then branch-and-Benders-cut on a route
        with a cut callback), 'auto' ('bbc' where such a route is available, else
        'benders'), 'probe' (also probe each surviving site with a forced-open Lagrangian
        before the re-solve loop)."""
        if method == "compact":
            return super().solve(solver, options)
        from siteplan.classic import pmedian_reduce as red

        options = _options(options)
        t0 = time.perf_counter()
        cost, w, p = self.data.cost, self._weights(), self.p
        step = _granularity(cost, w)
        order = red.client_order(cost)  # one sort, shared by the bound and the separator
        heur, ub, lbound, rho, lam = red.bound_and_incumbent(cost, w, p, step, order)
        closed, opened = red.fix_sites(rho, lbound, p, ub, step)
        free = np.flatnonzero(~closed & ~opened)
        n_fixed = int(closed.sum())
        if free.size > p and not opened.any() and method == "probe" \
                and ub - lbound >= max(step, 1e-9 * abs(ub)):
            keep = red.probe(cost, w, p, ub, step, lam, free, np.flatnonzero(opened))
            closed[np.setdiff1d(free, keep)] = True
            free = keep
        stats = {"ub_heuristic": ub, "lagrangian_bound": lbound, "free_sites": int(free.size),
                 "closed_by_reduced_cost": n_fixed, "closed_by_probing": int(closed.sum()) - n_fixed,
                 "fixed_open": int(opened.sum()), "fixed_closed": int(closed.sum())}
        pre_s = time.perf_counter() - t0
        incumbent = self.solution_from_sites(heur)
        proven = ub - lbound < max(step, 1e-9 * abs(ub)) if step else ub - lbound <= 1e-9 * abs(ub)
        cand = np.flatnonzero(~closed)
        if proven or cand.size < p or opened.sum() > p:
            return ClassicResult(
                kind=self.kind, name=self.name, backend=solver.name, status=Termination.OPTIMAL,
                objective=ub, bound=ub, gap=0.0, solution=incumbent,
                check=self.check(incumbent), build_seconds=pre_s, solve_seconds=0.0,
                method="reduce", backend_version=solver.version(), solves=0,
                message="bound meets heuristic: proven without branching", stats=stats)
        options = _exact(options, step)
        if method in ("auto", "benders", "probe", "bbc"):
            return _pmedian_benders_impl(self, solver, options, t0, cand, opened, heur, step,
                                         lbound, stats, pre_s, method, lam, order)
        t1 = time.perf_counter()
        model = self.build(candidates=cand, fixed_open=np.flatnonzero(opened))
        ws = np.full(model.n_vars, np.nan)
        in_heur = np.isin(cand, heur)
        if np.all(np.isin(heur, cand)):
            ys = in_heur.astype(float)
            ws[model.var_blocks["y"]] = ys
            # z values implied by y: solve the chain exactly
            model = model.replace(warm_start=_pmedian_warm_z(model, ws))
        build_s = time.perf_counter() - t1
        res = solver(model, _remaining(options, t0))
        out = self._finish(model, res, pre_s + build_s, "reduce", stats=stats)
        # the reduced model excludes only plans no better than the heuristic's
        if out.objective is None or out.objective > ub + TOL:
            bound = ub if res.status == Termination.OPTIMAL else (
                min(ub, out.bound) if out.bound is not None else lbound)
            status = Termination.OPTIMAL if res.status in (Termination.OPTIMAL,
                                                           Termination.INFEASIBLE) \
                else Termination.FEASIBLE
            out.status, out.objective, out.solution = status, ub, incumbent
            out.check = self.check(incumbent)
            out.bound = ub if status == Termination.OPTIMAL else bound
            out.gap = relative_gap(ub, out.bound)
        elif out.bound is not None:
            out.bound = min(out.bound, ub) if res.status != Termination.OPTIMAL else out.bound
            out.bound = max(out.bound, lbound) if res.status != Termination.OPTIMAL else out.bound
            out.gap = relative_gap(out.objective, out.bound)
        return out


def _pmedian_benders_impl(self: PMedian, solver: Solver, options: SolveOptions, t0: float,
                          cand: np.ndarray, opened: np.ndarray, heur: np.ndarray, step: float,
                          lbound: float, stats: dict, pre_s: float, method: str,
                          lam: np.ndarray, order: np.ndarray | None = None) -> ClassicResult:
    """The reduced p-median by Benders: the LP phase, then branch-and-Benders-cut on a route
    with a cut callback ('auto' and 'bbc'; `pmedian_bbc`) or the re-solve loop on `solver`
    ('benders', 'probe', or no such route; `pmedian_benders`)."""
    from siteplan.classic.pmedian_benders import BendersPMedian

    deadline = None if options.time_limit is None else t0 + options.time_limit
    bd = BendersPMedian(self.data.cost, self._weights(), self.p, cand,
                        np.flatnonzero(opened), heur, step, order)
    find = getattr(solver, "cut_solver", None)
    cut_solver = find() if find is not None and method in ("auto", "bbc") else None
    if method == "bbc" and cut_solver is None:
        raise InputError("method 'bbc' needs a solver backend with a cut callback; none is "
                         "available", fix="install pyscipopt, or use --method benders")
    used, name = "benders", solver.name
    if cut_solver is not None:
        # the tree's root separates on warm-started LPs: seed it with the Lagrangian's cuts
        # instead of re-solving LP masters from scratch (pmed22: 4.3 s of LP phase saved).
        # The re-solve loop keeps its own start: with the seed its dense rows slow every
        # integer master (HiGHS, pmed22 12.1 s -> 18.5 s, pmed26 34 s -> 44 s)
        bd.seed(lam)
        status, bound = None, lbound
    else:
        status, bound = bd.lp_phase(solver, options, deadline)
    if status is None and cut_solver is not None:
        from siteplan.classic import pmedian_bbc

        status, bound, bbc_stats = pmedian_bbc.solve(bd, cut_solver, solver.name, options,
                                                       deadline, bound)
        stats = dict(stats, **bbc_stats)
        used, name = "bbc", cut_solver.name
    elif status is None:
        status, bound = bd.integer_phase(solver, options, deadline, bound)
    bound = max(bound, lbound) if status != Termination.OPTIMAL else bd.best
    sol = self.solution_from_sites(bd.best_sites)
    stats = dict(stats, benders_cuts=int(sum(c.size for c in bd.cuts_i)))
    return ClassicResult(
        kind=self.kind, name=self.name, backend=name, status=status,
        objective=bd.best, bound=bound, gap=relative_gap(bd.best, bound), solution=sol,
        check=self.check(sol), build_seconds=pre_s, solve_seconds=bd.solve_seconds,
        method=used, backend_version=bd.version, solves=bd.solves, stats=stats,
        limit=None if status == Termination.OPTIMAL else "time")


def _pmedian_warm_z(model: Model, ws: np.ndarray) -> np.ndarray:
    """Fill the z part of a warm start from its y part by the chain rows, in order."""
    A = model.A.tocsr()
    zsl, lsl = model.var_blocks["z"], model.row_blocks["level"]
    x = np.where(np.isnan(ws), 0.0, ws)
    rl = model.row_lb
    # rows are in z order and each depends only on the previous z: sweep once
    zs = zsl.start
    for r in range(lsl.start, lsl.stop):
        s, e = A.indptr[r], A.indptr[r + 1]
        cols, vals = A.indices[s:e], A.data[s:e]
        zc = zs + (r - lsl.start)
        other = cols != zc
        x[zc] = max(0.0, rl[r] - float(vals[other] @ x[cols[other]]))
    return x


# ---------------------------------------------------------------- covering


def _within(cost: np.ndarray, radius: float):
    """(client, site) pairs within `radius`, as sparse COO index arrays."""
    i, j = np.nonzero(cost <= radius + 1e-9)
    return i, j


class SetCover(ClassicProblem):
    """LSCP: the cheapest set of sites that puts every client within `radius` of one."""

    kind = "lscp"

    def __init__(self, data: LocationData, radius: float, fixed_cost=None):
        super().__init__(data)
        if radius is None or not np.isfinite(radius) or radius < 0:
            raise InputError(f"LSCP needs a finite radius >= 0, not {radius}", fix="pass --radius R")
        self.radius = float(radius)
        f = fixed_cost if fixed_cost is not None else data.fixed_cost
        self.f = np.ones(data.n_sites) if f is None else np.asarray(f, dtype=float)

    def build(self) -> Model:
        i, j = _within(self.data.cost, self.radius)
        self._raise_uncovered(np.bincount(i, minlength=self.data.n_clients) == 0)
        b = ModelBuilder(f"lscp:{self.name}")
        y = b.add_vars("y", self.data.n_sites, ub=1.0, integer=True, cost=self.f)
        b.add_rows("cover", self.data.n_clients, i, y[j], 1.0, lb=1.0)
        return b.finish(meta={"kind": self.kind})

    def solve(self, solver: Solver, options: SolveOptions | None = None,
              method: str = "auto") -> ClassicResult:
        """'compact': the plain model. Otherwise reduce first (`cover_reduce`), solve the
        core only, and check the mapped-back plan against the full data."""
        if method == "compact":
            return super().solve(solver, options)
        options = _exact(_options(options), _granularity(self.f))
        t0 = time.perf_counter()
        A = cover_reduce.coverage(self.data.cost, self.radius)
        self._raise_uncovered(np.diff(A.indptr) == 0)
        core = cover_reduce.reduce(A, self.f)
        build_s = time.perf_counter() - t0
        picked, res = solve_core(core, self.f, solver, options)
        sol: ClassicSolution | None = None
        chk: CheckReport | None = None
        if res is None or res.status.has_solution:
            sol = ClassicSolution(open_sites=np.sort(np.r_[core.fixed, picked]).astype(np.int64))
            chk = self.check(sol)
        fixed_f = float(self.f[core.fixed].sum())
        obj = None if chk is None else chk.objective
        if res is None:  # the reductions alone solved it
            status, bound, solve_s, version, limit, msg, n = (
                Termination.OPTIMAL, obj, 0.0, solver.version(), None, "", 0)
        else:
            status, solve_s, version, limit, msg, n = (
                res.status, res.solve_seconds, res.backend_version, res.limit, res.message, 1)
            bound = None if res.bound is None else res.bound + fixed_f
            if status == Termination.OPTIMAL and obj is not None:
                bound = obj if bound is None else min(bound, obj)
        return ClassicResult(
            kind=self.kind, name=self.name, backend=solver.name, status=status, objective=obj,
            bound=bound, gap=relative_gap(obj, bound), solution=sol, check=chk, build_seconds=build_s, solve_seconds=solve_s, method="reduce",
            backend_version=version, limit=limit, solves=n, message=msg, stats=core.stats())

    def _raise_uncovered(self, uncovered_mask: np.ndarray):
        uncovered = np.flatnonzero(uncovered_mask)
        if uncovered.size:
            raise InfeasibleError(
                f"{uncovered.size} clients have no site within radius {self.radius:g} "
                f"(first: client {int(uncovered[0])})",
                fix="raise the radius or add sites")

    def check(self, sol):
        o = np.unique(sol.open_sites)
        probs = []
        dist = _nearest_open(self.data.cost, o)[1]
        bad = int(np.sum(dist > self.radius + 1e-9))
        if bad:
            probs.append(f"{bad} clients are farther than the radius from every open site")
        return CheckReport(not probs, float(self.f[o].sum()), probs)


def core_model(core: cover_reduce.CoverCore, f: np.ndarray, start: np.ndarray | None = None,
               max_open: int | None = None) -> Model:
    """The covering MIP of a reduced core: one y per surviving site, one row per client;
    `start` (core columns) is a warm start, `max_open` adds sum y <= max_open."""
    b = ModelBuilder("lscp-core")
    y = b.add_vars("y", core.cols.size, ub=1.0, integer=True, cost=f[core.cols])
    coo = core.A.tocoo()
    b.add_rows("cover", core.rows.size, coo.row, y[coo.col], 1.0, lb=1.0)
    if max_open is not None:
        b.add_rows("count", 1, np.zeros(y.size), y, 1.0, ub=float(max_open))
    model = b.finish(meta={"kind": "lscp"})
    if start is not None:
        ws = np.zeros(y.size)
        ws[start] = 1.0
        model = model.replace(warm_start=ws)
    return model


def covering_options(solver: Solver, options: SolveOptions) -> SolveOptions:
    """The route's settings for set-covering MIPs (`Backend.covering_extra`: HiGHS without
    restart and sub-MIP heuristics) under the user's own, which win."""
    tuned = getattr(solver, "covering_extra", None)  # a route's; a hand-made Solver has none
    return replace(options, extra={**tuned, **options.extra}) if tuned else options


def solve_core(core: cover_reduce.CoverCore, f: np.ndarray, solver: Solver,
               options: SolveOptions):
    """Solve a reduced core (None when it is empty), warm-started from the greedy;
    returns (original sites, result)."""
    if core.rows.size == 0:
        return np.zeros(0, np.int64), None
    model = core_model(core, f, start=cover_reduce.greedy(core.A, f[core.cols]))
    res = solver(model, covering_options(solver, options))
    if not res.status.has_solution or res.x is None:
        return np.zeros(0, np.int64), res
    return core.cols[np.flatnonzero(model.block(res.x, "y") > 0.5)], res


class MaxCover(ClassicProblem):
    """MCLP: open p sites to cover the most client weight within `radius`."""

    kind = "mclp"
    sense = "max"

    def __init__(self, data: LocationData, radius: float, p: int):
        super().__init__(data)
        if radius is None or not np.isfinite(radius) or radius < 0:
            raise InputError(f"MCLP needs a finite radius >= 0, not {radius}", fix="pass --radius R")
        if p is None or not 1 <= int(p) <= data.n_sites:
            raise InputError(f"p = {p} must be between 1 and the {data.n_sites} sites",
                             fix="pass --p N")
        self.radius, self.p = float(radius), int(p)

    def _step(self) -> float:
        """Covered weight steps by 1 when the weights are integers, whatever the distances."""
        return _granularity(self.data.demand)

    def build(self) -> Model:
        i, j = _within(self.data.cost, self.radius)
        w = self._weights()
        coverable = np.unique(i)
        b = ModelBuilder(f"mclp:{self.name}")
        ub_u = np.zeros(self.data.n_clients)
        ub_u[coverable] = 1.0  # a client no site reaches cannot be covered
        y = b.add_vars("y", self.data.n_sites, ub=1.0, integer=True)
        u = b.add_vars("u", self.data.n_clients, ub=ub_u, cost=-w)
        n = self.data.n_clients
        b.add_rows("cover", n, np.r_[np.arange(n), i], np.r_[u, y[j]],
                   np.r_[np.ones(n), -np.ones(i.size)], ub=0.0)
        b.add_rows("p", 1, np.zeros(y.size), y, 1.0, lb=self.p, ub=self.p)
        return b.finish(sense="max", meta={"kind": self.kind})

    def decode(self, model, x):
        return self._solution(np.flatnonzero(model.block(x, "y") > 0.5))

    def _solution(self, open_sites: np.ndarray) -> ClassicSolution:
        dist = _nearest_open(self.data.cost, open_sites)[1]
        return ClassicSolution(open_sites=open_sites, covered=dist <= self.radius + 1e-9)

    def solve(self, solver: Solver, options: SolveOptions | None = None,
              method: str = "auto") -> ClassicResult:
        """Default: start plan, LP dual, reduced-cost fixing, then the MIP on the sites left
        (`mclp_fix`); method 'compact' solves the plain model."""
        if method == "compact":
            return super().solve(solver, options)
        from siteplan.classic import mclp_fix

        options = _exact(_options(options), self._step())
        t0 = time.perf_counter()
        A = cover_reduce.coverage(self.data.cost, self.radius)
        fr = mclp_fix.solve(A, self._weights(), self.p, solver, options, self._step())
        sol = self._solution(fr.open_sites)
        chk = self.check(sol)
        status = Termination.OPTIMAL if fr.proven else Termination.FEASIBLE
        return ClassicResult(
            kind=self.kind, name=self.name, backend=solver.name, status=status,
            objective=chk.objective, bound=fr.bound, gap=relative_gap(chk.objective, fr.bound),
            solution=sol, check=chk,
            build_seconds=time.perf_counter() - t0 - fr.solve_seconds,
            solve_seconds=fr.solve_seconds, method="lp-fix",
            backend_version=fr.version or solver.version(), solves=fr.solves,
            limit=fr.limit, stats=fr.stats)

    def check(self, sol):
        o = np.unique(sol.open_sites)
        probs = [] if o.size == self.p else [f"{o.size} sites open, p = {self.p}"]
        covered = _nearest_open(self.data.cost, o)[1] <= self.radius + 1e-9
        if sol.covered is not None and np.any(sol.covered & ~covered):
            probs.append("a client is claimed covered but no open site is within the radius")
        return CheckReport(not probs, float(self._weights() @ covered), probs)


class PCenter(ClassicProblem):
    """p-center: open p sites minimising the largest client distance (binary search)."""

    kind = "pcenter"

    def __init__(self, data: LocationData, p: int | None = None):
        super().__init__(data)
        p = p if p is not None else data.p
        if p is None or not 1 <= int(p) <= data.n_sites:
            raise InputError(f"p = {p} must be between 1 and the {data.n_sites} sites",
                             fix="pass --p N")
        self.p = int(p)

    def build(self, radius: float | None = None) -> Model:
        """The covering model for one radius (default: the heuristic's radius)."""
        r = self._heuristic()[1] if radius is None else radius
        return SetCover(self.data, r, fixed_cost=np.ones(self.data.n_sites)).build()

    def _heuristic(self):
        """Farthest-point greedy (Gonzalez), a 2-approximation on metric data."""
        cost = self.data.cost
        first = int(np.argmin(cost.max(axis=0)))
        open_ = [first]
        dist = cost[:, first].copy()
        while len(open_) < self.p:
            far = int(np.argmax(dist))
            j = int(np.argmin(cost[far]))
            if j in open_:
                cand = np.argsort(cost[far])
                j = int(next(c for c in cand if c not in open_))
            open_.append(j)
            dist = np.minimum(dist, cost[:, j])
        return np.array(sorted(open_)), float(dist.max())

    def decode(self, model, x):
        open_sites = np.flatnonzero(model.block(x, "y") > 0.5)
        a, dist = _nearest_open(self.data.cost, open_sites)
        return ClassicSolution(open_sites=open_sites, assign=a, radius=float(dist.max()))

    def check(self, sol):
        o = np.unique(sol.open_sites)
        probs = [] if 1 <= o.size <= self.p else [f"{o.size} sites open, p = {self.p}"]
        r = float(_nearest_open(self.data.cost, o)[1].max())
        return CheckReport(not probs, r, probs)

    def solve(self, solver: Solver, options: SolveOptions | None = None,
              method: str = "auto") -> ClassicResult:
        """Binary search on the radius index. Default: each probe decided by the reduced
        set cover (`pcenter_search`); method 'probe': one plain set-cover MIP per probe."""
        if method != "probe":
            return self._solve_search(solver, options)
        options = _exact(_options(options), 0.0)
        t0 = time.perf_counter()
        cost = self.data.cost
        heur, r_ub = self._heuristic()
        radii = np.unique(cost)
        # every client needs some site: radius >= max_i min_j d_ij
        r_lb = float(cost.min(axis=1).max())
        radii = radii[(radii >= r_lb - 1e-9) & (radii <= r_ub + 1e-9)]
        lo, hi = 0, radii.size - 1  # radii[hi] is feasible
        best = heur
        solves, build_s, solve_s, version = 0, 0.0, 0.0, ""
        name = solver.name
        status = Termination.OPTIMAL
        while lo < hi:
            mid = (lo + hi) // 2
            tb = time.perf_counter()
            model = SetCover(self.data, float(radii[mid]),
                             fixed_cost=np.ones(self.data.n_sites)).build()
            build_s += time.perf_counter() - tb
            res = solver(model, _remaining(options, t0))
            solves += 1
            solve_s += res.solve_seconds
            version = res.backend_version
            if res.status.has_solution and res.x is not None and res.objective is not None \
                    and res.objective <= self.p + 0.5:
                best = np.flatnonzero(model.block(res.x, "y") > 0.5)
                hi = mid
            elif res.status == Termination.OPTIMAL or (
                    res.bound is not None and res.bound > self.p + 0.5):
                lo = mid + 1
            else:  # limit hit without a decision: stop with what is proven
                status = Termination.FEASIBLE
                break
        sol = ClassicSolution(open_sites=np.sort(best))
        a, dist = _nearest_open(cost, sol.open_sites)
        sol.assign, sol.radius = a, float(dist.max())
        chk = self.check(sol)
        bound = float(radii[lo]) if radii.size else sol.radius
        return ClassicResult(
            kind=self.kind, name=self.name, backend=name, status=status,
            objective=sol.radius, bound=bound, gap=relative_gap(sol.radius, bound),
            solution=sol, check=chk, build_seconds=build_s, solve_seconds=solve_s,
            method="binary-search", backend_version=version or solver.version(),
            solves=solves)


    def _solve_search(self, solver: Solver, options: SolveOptions | None) -> ClassicResult:
        from siteplan.classic import pcenter_search

        options = _exact(_options(options), 0.0)
        t0 = time.perf_counter()
        sr = pcenter_search.search(self.data.cost, self.p, self._heuristic()[0], solver,
                                   options)
        sol = ClassicSolution(open_sites=sr.open_sites)
        sol.assign, dist = _nearest_open(self.data.cost, sol.open_sites)
        sol.radius = float(dist.max())
        chk = self.check(sol)
        bound = min(sr.bound, chk.objective)
        status = Termination.OPTIMAL if sr.proven else Termination.FEASIBLE
        by: dict[str, int] = {}
        for pr in sr.probes:
            by[pr["by"]] = by.get(pr["by"], 0) + 1
        return ClassicResult(
            kind=self.kind, name=self.name, backend=solver.name, status=status,
            objective=sol.radius, bound=bound, gap=relative_gap(sol.radius, bound),
            solution=sol, check=chk,
            build_seconds=time.perf_counter() - t0 - sr.solve_seconds,
            solve_seconds=sr.solve_seconds, method="reduce-search",
            backend_version=sr.version or solver.version(), solves=sr.mips + sr.lps,
            limit=None if sr.proven else "time",
            stats={"probes": len(sr.probes), "decided_by": by, "mips": sr.mips, "lps": sr.lps})


# ---------------------------------------------------------------- UFLP


class UFLP(ClassicProblem):
    """Uncapacitated facility location: fixed costs plus each client's cheapest open site."""

    kind = "uflp"

    def __init__(self, data: LocationData):
        super().__init__(data)
        self.f = self._need("fixed_cost", "give fixed opening costs (--fixed-cost FILE)")

    def build(self) -> Model:
        cost, m = self.data.cost, self.data.n_sites
        cap = cost.max(axis=1)
        free = np.flatnonzero(self.f <= 0)
        if free.size:  # a free site is always open: no client goes beyond it
            cap = np.minimum(cap, cost[:, free].min(axis=1))
        b = ModelBuilder(f"uflp:{self.name}")
        ycol = b.add_vars("y", m, ub=1.0, integer=True, cost=self.f)
        rows, cols, vals, rlb, zc, _zown, base, nz = _level_rows(cost, np.arange(m), cap,
                                                               ycol, b.n_vars, 0)
        b.add_vars("z", nz, lb=0.0, ub=1.0, cost=zc)
        b.add_rows("level", nz, rows, cols, vals, lb=rlb)
        b.add_rows("open", 1, np.zeros(m), ycol, 1.0, lb=1.0)
        b.offset = float(base.sum())
        return b.finish(meta={"kind": self.kind})

    def check(self, sol):
        o = np.unique(sol.open_sites)
        if o.size == 0:
            return CheckReport(False, float("inf"), ["no site is open"])
        dist = _nearest_open(self.data.cost, o)[1]
        return CheckReport(True, float(self.f[o].sum() + dist.sum()), [])


# ---------------------------------------------------------------- CFLP


class CFLP(ClassicProblem):
    """Capacitated facility location, splittable (default) or single-source demand."""

    kind = "cflp"

    def __init__(self, data: LocationData, single_source: bool = False, vub: str = "auto"):
        super().__init__(data)
        self.f = self._need("fixed_cost", "give fixed opening costs")
        self.q = self._need("capacity", "give site capacities (capa/b/c: --capacity)")
        self.d = self._need("demand", "give client demands")
        self.single_source = bool(single_source)
        if vub not in ("auto", "all", "none", "lazy"):
            raise InputError(f"unknown vub mode {vub!r}", fix="use all, none, lazy or auto")
        if vub == "auto":
            vub = "all" if data.n_clients * data.n_sites <= 20_000 else "lazy"
        self.vub = vub
        if self.q.sum() < self.d.sum() - 1e-9:
            raise InfeasibleError(
                f"total capacity {self.q.sum():g} is below total demand {self.d.sum():g}",
                fix="raise the capacities")
        if self.kind == "cflp":
            self.kind = "sscflp" if single_source else "cflp"

    def build(self, vub_pairs: tuple[np.ndarray, np.ndarray] | None = None) -> Model:
        """`vub_pairs` (clients, sites) selects x_ij <= y_j rows; None follows `self.vub`."""
        cost, n, m = self.data.cost, self.data.n_clients, self.data.n_sites
        b = ModelBuilder(f"{self.kind}:{self.name}")
        y = b.add_vars("y", m, ub=1.0, integer=True, cost=self.f)
        x = b.add_vars("x", n * m, ub=1.0, integer=self.single_source, cost=cost.ravel())
        ii = np.repeat(np.arange(n), m)
        jj = np.tile(np.arange(m), n)
        b.add_rows("assign", n, ii, x, 1.0, lb=1.0, ub=1.0)
        b.add_rows("capacity", m, np.r_[jj, np.arange(m)], np.r_[x, y],
                   np.r_[self.d[ii], -self.q], ub=0.0)
        b.add_rows("total", 1, np.zeros(m), y, self.q, lb=float(self.d.sum()))
        if vub_pairs is None:
            vub_pairs = (ii, jj) if self.vub == "all" else (np.zeros(0, int), np.zeros(0, int))
        vi, vj = vub_pairs
        k = np.arange(vi.size)
        b.add_rows("vub", vi.size, np.r_[k, k], np.r_[x[vi * m + vj], y[vj]],
                   np.r_[np.ones(vi.size), -np.ones(vi.size)], ub=0.0)
        return b.finish(meta={"kind": self.kind, "vub": (vi, vj)})

    def decode(self, model, x):
        n, m = self.data.n_clients, self.data.n_sites
        yv = model.block(x, "y") > 0.5
        alloc = np.clip(model.block(x, "x").reshape(n, m), 0.0, 1.0)
        # integrality tolerance lets x ride on a y of ~1e-6: such a site is closed, so its
        # shares go back to the client's open sites (each client row then sums to 1)
        alloc[:, ~yv] = 0.0
        alloc[alloc < 1e-9] = 0.0
        tot = alloc.sum(axis=1, keepdims=True)
        alloc = np.divide(alloc, tot, out=alloc, where=tot > 0)
        open_sites = np.flatnonzero(yv)
        assign = np.argmax(alloc, axis=1) if self.single_source else None
        return ClassicSolution(open_sites=open_sites, alloc=alloc, assign=assign)

    def check(self, sol):
        probs = []
        n, m = self.data.n_clients, self.data.n_sites
        o = np.unique(sol.open_sites)
        is_open = np.zeros(m, dtype=bool)
        is_open[o] = True
        a = np.asarray(sol.alloc, dtype=float)
        if a.shape != (n, m):
            return CheckReport(False, float("nan"), ["allocation has the wrong shape"])
        if np.any(a < -1e-7):
            probs.append("negative allocation")
        if np.any(np.abs(a.sum(axis=1) - 1) > 1e-6):
            probs.append(f"{int(np.sum(np.abs(a.sum(1) - 1) > 1e-6))} clients not fully served")
        if np.any(a[:, ~is_open] > 1e-7):
            probs.append("demand served from a closed site")
        load = self.d @ a
        over = load - self.q * is_open
        if np.any(over > 1e-6 * np.maximum(1.0, self.q) + 1e-6 * float(self.d.sum())):
            probs.append(f"capacity exceeded at {int(np.sum(over > 1e-6))} sites "
                         f"(worst by {float(over.max()):g})")
        if self.single_source and np.any((a > 1e-6) & (a < 1 - 1e-6)):
            probs.append("single-source: a client is split between sites")
        obj = float(self.f[o].sum() + (self.data.cost * a).sum())
        return CheckReport(not probs, obj, probs)

    def solve(self, solver: Solver, options: SolveOptions | None = None,
              method: str = "auto") -> ClassicResult:
        """'lazy': LP rounds add violated x_ij <= y_j rows, then one MIP with them.
        method 'benders' (splittable demand, a route with a cut callback): a Lagrangian
        bound with reduced-cost fixing of the sites, then branch-and-Benders-cut on the
        sites left with one transportation subproblem (`cflp_benders`)."""
        if method == "benders":
            return self._solve_benders(solver, options)
        if self.vub != "lazy":
            return super().solve(solver, options)
        options = _exact(_options(options), self._step())
        t0 = time.perf_counter()
        n, m = self.data.n_clients, self.data.n_sites
        vi = np.zeros(0, dtype=np.int64)
        vj = np.zeros(0, dtype=np.int64)
        rounds, lp_s, prev = 0, 0.0, None
        for rounds in range(1, 60):
            model = self.build(vub_pairs=(vi, vj))
            lp = model.replace(integer=np.zeros_like(model.integer))
            res = solver(lp, _remaining(options, t0))
            lp_s += res.solve_seconds
            if not res.status.has_solution or res.x is None or res.objective is None:
                break
            yv = model.block(res.x, "y")
            xv = model.block(res.x, "x").reshape(n, m)
            viol = xv - yv[None, :] > 1e-6
            if not viol.any():
                break
            # late rounds are slow and gain little: leave the rest to the MIP
            if prev is not None and res.objective - prev < 1e-3 * abs(res.objective):
                break
            prev = res.objective
            ni, nj = np.nonzero(viol)
            vi, vj = np.r_[vi, ni], np.r_[vj, nj]
            if options.time_limit is not None and \
                    time.perf_counter() - t0 > 0.35 * options.time_limit:
                break  # keep most of the budget for the MIP
        t1 = time.perf_counter()
        model = self.build(vub_pairs=(vi, vj))
        build_s = time.perf_counter() - t1
        res = solver(model, _remaining(options, t0))
        return self._finish(model, res, build_s, "lazy-vub", solves=rounds + 1,
                            extra_solve_s=lp_s,
                            stats={"vub_rows": int(vi.size), "lp_rounds": rounds})

    def _solve_benders(self, solver: Solver, options: SolveOptions | None) -> ClassicResult:
        from siteplan.classic import cflp_benders

        find = getattr(solver, "cut_solver", None)
        cut_solver = find() if find is not None else None
        if cut_solver is None or self.single_source:
            raise InputError("method 'benders' for the CFLP needs splittable demand and a "
                             "solver backend with a cut callback",
                             fix="install pyscipopt, or use the default method")
        options = _exact(_options(options), self._step())
        if cut_solver.name != solver.name:  # `extra` names the asked backend's options
            options = replace(options, extra={})
        t0 = time.perf_counter()
        res, y, shares, stats, front_bound = cflp_benders.solve(self, cut_solver, options)
        sol = check = None
        if y is not None and shares is not None:
            sol = ClassicSolution(open_sites=np.flatnonzero(y > 0.5), alloc=shares)
            check = self.check(sol)
        obj = None if check is None else check.objective
        # the master spans the sites fixing left: its bound holds there, the plan's cost
        # (>= the fixing threshold) outside, the Lagrangian bound everywhere
        bound = front_bound if res.bound is None or obj is None else \
            max(front_bound, min(res.bound, obj))
        if res.status == Termination.OPTIMAL and obj is not None:
            bound = obj if bound is None else min(max(bound, obj - 1e-6 * abs(obj)), obj)
        return ClassicResult(
            kind=self.kind, name=self.name, backend=cut_solver.name, status=res.status,
            objective=obj, bound=bound, gap=relative_gap(obj, bound), solution=sol,
            check=check, build_seconds=res.build_seconds,
            solve_seconds=time.perf_counter() - t0 - res.build_seconds, method="benders",
            backend_version=res.backend_version, limit=res.limit, solves=1,
            message=res.message, stats=stats)


PROBLEMS: dict[str, type[ClassicProblem]] = {"pmedian": PMedian, "pcenter": PCenter, "lscp": SetCover, "mclp": MaxCover,
            "uflp": UFLP, "cflp": CFLP}
