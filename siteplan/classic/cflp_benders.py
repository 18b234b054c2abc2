"""Benders for the splittable CFLP on the site variables, after a Lagrangian front end.

Why: capa/capb/capc have 100 sites and 1,000 clients; the full model has 100,000 shares and
its LP is what took minutes per round. Projected onto the sites (Fischetti, Ljubic & Sinnl,
"Redesigning Benders decomposition for large-scale facility location", 2017), the master has
the site binaries and one variable eta for the whole allocation cost.

1. `cflp_lagrange`: a subgradient bound (~0.1% below the optimum on capa-c), cheap plans
   priced exactly on the way, a local search on the best (`cflp_heuristic`), and
   reduced-cost fixing that closes most sites.
2. The master over the sites left, with the Lagrangian cuts of the last iterations as rows,
   goes to a route with a cut callback (SCIP). At a point y it separates the cut of the
   transportation LP:
       T(y) = min sum_ij c_ij x_ij  s.t.  sum_j x_ij = 1 (u_i),  sum_i d_i x_ij <= Q_j y_j,
                                          0 <= x_ij <= y_j
   taking its duals u into the Lagrangian cut eta >= sum_i u_i + sum_j g_j(u) y_j, valid for
   every y, tight at y, at least as strong as the LP's own dual cut. The cuts already met
   come first: a point one of them separates needs no LP (at fractional points this also
   stands in for SCIP's cut pool, which it re-reads only every 10th depth). Integral points
   that could beat the best plan are always checked (lazy rows; cached, SCIP asks twice);
   fractional ones get at most FRACTIONAL_CALLS LPs.
3. A plan met in the search that lets fixing close many more sites stops the master, which
   restarts over the fewer sites with all its cuts as rows.
The LP (`transport.Transport`) spans the master's sites only, prices its share columns in,
and restarts from its last basis.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from siteplan.classic import cflp_heuristic
from siteplan.classic.cflp_lagrange import KnapsackLagrangian
from siteplan.classic.transport import Transport
from siteplan.model.cuts import CutRows, CutSolver
from siteplan.model.ir import Model, ModelBuilder
from siteplan.result import SolveOptions, Termination

#: fractional separation stops after this many calls (the root and the upper tree: a node's
#: bound only rises above the Lagrangian one through the cuts of its own LP points)
FRACTIONAL_CALLS = 400
#: ... after which a fractional point gets this many of the most violated cuts met so far
POOLED_ROWS = 10
#: share of the time limit the Lagrangian front end may use
FRONT_SHARE = 0.4
#: ... and of that, the share the local search on its best plan may use on top
HEURISTIC_SHARE = 0.25
#: the master stops and restarts (with its cuts) when it meets a plan that lets fixing close
#: this share of its sites more, at least RESTART_SITES, at most MAX_RESTARTS times
RESTART_GAIN = 0.1
RESTART_SITES = 3
MAX_RESTARTS = 2


class CFLPCuts:
    """The `Separator` of `master()`: columns y (the master's sites) then eta."""

    def __init__(self, lag: KnapsackLagrangian, sub: Transport, sites: np.ndarray):
        self.lag, self.sub, self.sites = lag, sub, sites
        self.k = sites.size
        self.f = lag.f[sites]
        self.fractional_calls = 0
        self.worse_skipped = 0
        self.cache: dict[bytes, tuple[float, float, np.ndarray]] = {}
        self.pool: list[tuple[float, np.ndarray]] = []  # every cut computed, for `pooled`
        self.pool_hits = 0
        self._stack: tuple[np.ndarray, np.ndarray] | None = None  # the pool as arrays
        self.best: tuple[float, np.ndarray] | None = None  # (total cost, full y)
        # per master site, the plan cost below which fixing closes it (-inf: it cannot be),
        # and how many more closed sites are worth a restart (`stop_requested`)
        self.closing: np.ndarray | None = None
        self.restart_gain = np.inf
        self.stop_requested = False

    def locks(self) -> tuple[np.ndarray, np.ndarray]:
        """Each cut reads eta - g @ y >= const with g <= 0: only lowering eta or a y breaks one."""
        down = np.ones(self.k + 1, dtype=bool)
        return down, np.zeros_like(down)

    def full(self, y_master: np.ndarray) -> np.ndarray:
        y = np.zeros(self.lag.m)
        y[self.sites] = y_master
        return y

    def evaluate(self, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """(T(y), cut constant, cut coefficients on the master's sites); integral y cached."""
        integral = bool(np.all((y == 0.0) | (y == 1.0)))
        key = y.tobytes()
        if integral and key in self.cache:
            return self.cache[key]
        val, u, _ = self.sub.solve(y)
        const, g = self.lag.cut(u)
        out = (val, const, g[self.sites])
        if integral:
            self.cache[key] = out
            total = float(self.lag.f @ y) + val
            if self.best is None or total < self.best[0]:
                self.best = (total, y.copy())
                if self.closing is not None and \
                        np.count_nonzero(self.closing > total) >= self.restart_gain:
                    self.stop_requested = True
        return out

    def pooled(self, ym: np.ndarray, eta: float, most: int = 1) -> CutRows | None:
        """The `most` most violated cuts found so far at (ym, eta), if any is. SCIP checks the
        candidates of its heuristics against the model's rows but not against its cut pool."""
        if not self.pool:
            return None
        if self._stack is None or self._stack[0].size != len(self.pool):
            self._stack = (np.fromiter((c for c, _ in self.pool), float, len(self.pool)),
                           np.stack([g for _, g in self.pool]))
        const, coef = self._stack
        viol = const + coef @ ym - eta
        top = np.argsort(-viol)[:most]
        top = top[viol[top] > 1e-7 * max(1.0, abs(eta))]
        if top.size == 0:
            return None
        self.pool_hits += 1
        return stack_rows([cut_rows(self.k, float(const[t]), coef[t]) for t in top])

    def separate(self, x: np.ndarray, integral: bool) -> CutRows | None:
        ym = np.clip(x[: self.k], 0.0, 1.0)
        eta = float(x[self.k])
        if integral:
            ym = np.round(ym)
        else:
            # the cuts met so far first (SCIP re-reads its own cut pool only every tenth
            # depth, so deep nodes would branch on weak LPs); an LP only where none is cut
            known = self.pooled(ym, eta, POOLED_ROWS)
            if known is not None or self.fractional_calls >= FRACTIONAL_CALLS:
                return known
            self.fractional_calls += 1
        if integral:
            if self.best is not None and float(self.f @ ym) + eta >= self.best[0]:
                # no better than the best plan: a node with this LP value is pruned anyway;
                # SCIP may store it (eta perhaps below T(y)), but its primal bound then stays
                # at or above the best plan's real cost, and `solve` returns a priced plan
                self.worse_skipped += 1
                return None
            known = self.pooled(ym, eta)
            if known is not None:  # a cut met before rejects it: no LP
                return known
        val, const, coef = self.evaluate(self.full(ym))
        self.pool.append((const, coef))
        if val - eta <= 1e-7 * max(1.0, abs(val)):
            return None
        return cut_rows(self.k, const, coef)


def cut_rows(k: int, const: float, coef: np.ndarray) -> CutRows:
    """eta - coef @ y >= const as one CSR row over (y_1..y_k, eta)."""
    keep = coef != 0.0
    idx = np.r_[k, np.flatnonzero(keep)]
    return CutRows(np.array([0, idx.size]), idx, np.r_[1.0, -coef[keep]],
                   np.array([const]), np.array([np.inf]))


def stack_rows(rows: list[CutRows]) -> CutRows:
    """One CutRows of several."""
    if len(rows) == 1:
        return rows[0]
    sizes = np.array([r.indices.size for r in rows])
    return CutRows(np.r_[0, np.cumsum(sizes)], np.concatenate([r.indices for r in rows]),
                   np.concatenate([r.data for r in rows]), np.concatenate([r.lb for r in rows]),
                   np.concatenate([r.ub for r in rows]))


def master(fixed: np.ndarray, capacity: np.ndarray, total_demand: float, eta_lb: float,
           must_open: np.ndarray, cuts: list[tuple[float, np.ndarray]]) -> Model:
    """min f @ y + eta  s.t.  Q @ y >= D, sum y >= the fewest sites that can hold D, the
    given cuts;  y binary (forced-open sites at 1). The count row is the capacity row
    rounded: its LP alone lets e.g. 6.43 sites of 8,000 hold capb's 51,406."""
    k = fixed.size
    b = ModelBuilder("cflp-benders-master")
    y = b.add_vars("y", k, lb=must_open.astype(float), ub=1.0, integer=True, cost=fixed)
    eta = b.add_vars("eta", 1, lb=eta_lb, cost=1.0)
    b.add_rows("capacity", 1, np.zeros(k), y, capacity, lb=total_demand)
    fewest = int(np.searchsorted(np.cumsum(np.sort(capacity)[::-1]), total_demand - 1e-9)) + 1
    b.add_rows("count", 1, np.zeros(k), y, 1.0, lb=float(min(fewest, k)))
    if cuts:
        r = len(cuts)
        rows = np.repeat(np.arange(r), k + 1)
        cols = np.tile(np.r_[y, eta], r)
        coefs = np.concatenate([np.r_[-g, 1.0] for _, g in cuts])
        b.add_rows("lagrangian", r, rows, cols, coefs, lb=np.array([c for c, _ in cuts]))
    return b.finish()


def solve(problem, cut_solver: CutSolver, options: SolveOptions):
    """Lagrangian front end, then branch-and-Benders-cut on `cut_solver`.
    Returns (SolveResult of the master, y, shares, stats, front-end bound)."""
    t0 = time.perf_counter()
    cost, d, q, f = problem.data.cost, problem.d, problem.q, problem.f
    lag = KnapsackLagrangian(cost, d, f, q)
    priced = {"lps": 0, "seconds": 0.0}
    budget = FRONT_SHARE * (options.time_limit or 600.0)

    def price(y: np.ndarray) -> float:
        lp = Transport(cost, d, q, np.flatnonzero(y > 0.0))  # a plan's open sites only
        value = lp.solve(y)[0]
        priced["lps"] += 1
        priced["seconds"] += lp.seconds
        return float(f @ y) + value

    front = lag.ascend(price, budget)
    assert front.plan is not None  # the first Lagrangian plan is always priced
    w = f + lag.cut(front.u)[1]
    upper, plan, search_lps = cflp_heuristic.improve(front.plan, w, cost, d, q, f,
                                                     HEURISTIC_SHARE * budget)
    if upper >= front.upper:
        upper, plan = front.upper, front.plan
    searched = upper
    lag_y, flips = lag.flip_bounds(front.u)

    def fixable(upper: float) -> tuple[np.ndarray, np.ndarray]:  # = lag.fixable(front.u, upper)
        above = flips > upper + 1e-9 * abs(upper)
        return (lag_y == 1.0) & above, (lag_y == 0.0) & above

    must_open, must_close = fixable(upper)
    closed_first = int(must_close.sum())
    cuts = list(front.cuts)  # (constant, coefficients over all sites)
    restarts, lps, lp_s, fractional, hits, skipped = 0, 0, 0.0, 0, 0, 0
    while True:
        sites = np.flatnonzero(~must_close)
        sub = Transport(cost, d, q, sites)  # the master's sites only: small, warm between calls
        sep = CFLPCuts(lag, sub, sites)
        sep.best = (upper, plan)
        model = master(f[sites], q[sites], float(d.sum()), float(cost.min(axis=1).sum()),
                       must_open[sites], [(c, g[sites]) for c, g in cuts])
        model = model.replace(warm_start=np.r_[plan[sites], sep.evaluate(plan)[0]])
        left = None if options.time_limit is None else \
            max(1.0, options.time_limit - (time.perf_counter() - t0))
        if restarts < MAX_RESTARTS:  # a much better plan stops the search (`CFLPCuts.closing`)
            sep.closing = np.where(lag_y[sites] == 0.0, flips[sites], -np.inf)
            sep.restart_gain = max(RESTART_SITES, RESTART_GAIN * sites.size)
        res = cut_solver.with_cuts(model, replace(options, time_limit=left), sep)
        lps, lp_s = lps + sub.solves, lp_s + sub.seconds
        fractional, hits = fractional + sep.fractional_calls, hits + sep.pool_hits
        skipped += sep.worse_skipped
        if not sep.stop_requested or res.status == Termination.OPTIMAL or sep.best is None:
            break
        upper, plan = sep.best
        for const, coef in sep.pool:  # the search's cuts, over all sites
            full = np.zeros(f.size)
            full[sites] = coef
            cuts.append((const, full))
        must_open, must_close = fixable(upper)
        restarts += 1
    y = None if res.x is None else sep.full(np.round(res.x[: sites.size]))
    if sep.best is not None and (y is None or sep.best[0] < float(f @ y) + sep.evaluate(y)[0]
                                 - 1e-9 * abs(sep.best[0])):
        y = sep.best[1]  # the front end's plan, or one SCIP met but did not keep
    shares = None if y is None else sub.solve(y)[2]
    stats = {"lagrangian_bound": front.bound, "lagrangian_iterations": front.iterations,
             "lagrangian_seconds": round(front.seconds, 3), "front_plan": front.upper,
             "local_search_plan": searched, "local_search_lps": search_lps,
             "sites_closed_by_fixing": closed_first, "restart_plan": upper,
             "sites_closed_at_restart": int(must_close.sum()),
             "sites_opened_by_fixing": int(must_open.sum()),
             "front_lps": priced["lps"], "front_lp_seconds": round(priced["seconds"], 3),
             "restarts": restarts, "subproblem_lps": lps, "subproblem_seconds": round(lp_s, 3),
             "fractional_separations": fractional, "pool_rejections": hits,
             "worse_points_skipped": skipped, "nodes": res.nodes,
             **{k: v for k, v in res.extra.items() if isinstance(v, int)}}
    return res, y, shares, stats, front.bound
