"""Lagrangian bound and reduced-cost fixing of the sites for the splittable CFLP.

Why: on capa/capb/capc (1,000 clients x 100 sites) the LP of the strong formulation is what
costs minutes. Relaxing the assignment rows sum_j x_ij = 1 with multipliers u leaves one
continuous knapsack per site (Cornuejols, Sridharan & Thizy 1991),

    g_j(u) = min sum_i (c_ij - u_i) x_ij  s.t.  sum_i d_i x_ij <= Q_j,  0 <= x_ij <= 1,

solved greedily by the ratio (c_ij - u_i) / d_i, and a knapsack over the sites,

    L(u) = sum_i u_i + min { sum_j (f_j + g_j(u)) y_j : sum_j Q_j y_j >= D, y binary }.

Every L(u) is a lower bound (exact in y when all capacities are equal, by the greedy count;
else the y-knapsack is relaxed to its LP, still a bound). A subgradient method brings it to
within ~0.1% of the optimum on capa-c in a few hundred cheap numpy iterations. Then a site
whose forced flip lifts L above the best known plan's cost is fixed (closed, in practice
most of them), and what is left goes to an exact method (`cflp_benders`).

Each u also gives a Benders cut valid for every y (the relaxation of the same problem):
    eta >= sum_i u_i + sum_j g_j(u) y_j      (eta: allocation cost of the plan)
which is what `cut()` returns; at the u of the transportation LP's optimal duals at an
integral y it is tight there, and at least as strong as that LP's own dual cut.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: subgradient: halve the step after this many iterations without a better bound
PATIENCE = 10
#: ... and stop once the step factor falls below this, or the bound meets the plan
MIN_STEP = 2e-3
#: weight of the newest Lagrangian plan in the running average that plans are read from
AVERAGE = 0.1


@dataclass
class LagrangeResult:
    """The best bound, its multipliers, and the cuts and plans met on the way."""

    bound: float
    u: np.ndarray
    iterations: int
    seconds: float
    cuts: list[tuple[float, np.ndarray]] = field(default_factory=list)  # (sum u, g(u))
    upper: float = np.inf  # the cheapest Lagrangian plan's exact cost
    plan: np.ndarray | None = None  # ... and that plan (y)


class KnapsackLagrangian:
    """L(u), its subgradient, the cut of u, and site fixing (see the module docstring)."""

    def __init__(self, cost: np.ndarray, demand: np.ndarray, fixed: np.ndarray,
                 capacity: np.ndarray):
        self.c, self.d, self.f, self.q = cost, demand, fixed, capacity
        self.n, self.m = cost.shape
        self.total = float(demand.sum())
        # equal capacities: the y-knapsack is a count, solved exactly by sorting
        self.count = int(np.ceil(self.total / capacity[0] - 1e-9)) \
            if np.all(capacity == capacity[0]) and capacity[0] > 0 else None

    def site_values(self, u: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """g(u) per site and the knapsack shares as (clients, sites, fractions)."""
        r = self.c - u[:, None]
        ii, jj = np.nonzero(r < 0.0)  # only profitable clients enter a knapsack
        rv = r[ii, jj]
        order = np.lexsort((rv / np.maximum(self.d[ii], 1e-300), jj))
        ii, jj, rv = ii[order], jj[order], rv[order]
        dd = self.d[ii]
        cum = np.cumsum(dd)
        start = np.searchsorted(jj, np.arange(self.m))
        before = cum - dd - np.r_[0.0, cum][start][jj]  # demand packed ahead in this site
        with np.errstate(divide="ignore", invalid="ignore"):
            fr = np.where(dd > 0, np.clip((self.q[jj] - before) / dd, 0.0, 1.0),
                          (before <= self.q[jj]).astype(float))
        g = np.bincount(jj, weights=fr * rv, minlength=self.m)
        return g, (ii, jj, fr)

    def sites(self, w: np.ndarray, open_: np.ndarray | None = None,
              closed: np.ndarray | None = None) -> np.ndarray:
        """argmin sum_j w_j y_j s.t. sum_j Q_j y_j >= D with forced sites (y may be fractional
        when capacities differ: the LP of the knapsack, a valid relaxation)."""
        y = (w < 0.0).astype(float)
        free = np.ones(self.m, dtype=bool)
        if open_ is not None:
            y[open_], free[open_] = 1.0, False
        if closed is not None:
            y[closed], free[closed] = 0.0, False
        cand = np.flatnonzero(free & (y == 0.0))
        if self.count is not None:
            need = self.count - int(y.sum())
            if need > 0:
                y[cand[np.argsort(w[cand], kind="stable")[:need]]] = 1.0
            return y
        short = self.total - float(self.q @ y)
        for j in cand[np.argsort(w[cand] / np.maximum(self.q[cand], 1e-300), kind="stable")]:
            if short <= 0.0:
                break
            y[j] = min(1.0, short / self.q[j]) if self.q[j] > 0 else 0.0
            short -= self.q[j] * y[j]
        return y

    def cover(self, score: np.ndarray) -> np.ndarray:
        """A plan: the sites in decreasing `score` until their capacity covers the demand."""
        order = np.argsort(-score, kind="stable")
        enough = int(np.searchsorted(np.cumsum(self.q[order]), self.total - 1e-9)) + 1
        plan = np.zeros(self.m)
        plan[order[:enough]] = 1.0
        return plan

    def evaluate(self, u: np.ndarray):
        """(L(u), y, g, shares) at u."""
        g, shares = self.site_values(u)
        w = self.f + g
        y = self.sites(w)
        return float(u.sum() + w @ y), y, g, shares

    def ascend(self, price: Callable[[np.ndarray], float], time_limit: float,
               max_iter: int = 3000, every: int = 25, keep_cuts: int = 60) -> LagrangeResult:
        """Subgradient ascent with Polyak steps towards the best plan's cost; `price(y)` is
        a plan's exact cost, asked for new integral Lagrangian plans every `every` steps."""
        t0 = time.perf_counter()
        u = self.c.min(axis=1).copy()
        best, best_u, lam, stall, it = -np.inf, u.copy(), 2.0, 0, 0
        upper, best_plan, last = np.inf, None, 0
        ybar = np.zeros(self.m)
        cuts: list[tuple[float, np.ndarray]] = []
        seen: set[bytes] = set()
        for it in range(1, max_iter + 1):
            value, y, g, (ii, jj, fr) = self.evaluate(u)
            cuts.append((float(u.sum()), g))
            # near the dual optimum many sites tie in f_j + g_j(u) and y picks among them
            # at random; the running average of the y's says which sites the ascent keeps
            ybar = y if it == 1 else (1.0 - AVERAGE) * ybar + AVERAGE * y
            # the plans of better bounds tend to be better: price them sooner
            if it == 1 or it - last >= every or (value > best and it - last >= every // 2):
                last = it
                for plan in ((y > 0.0).astype(float), self.cover(ybar)):  # y rounded up
                    key = plan.tobytes()
                    if key not in seen:
                        seen.add(key)
                        cost = price(plan)
                        if cost < upper:
                            upper, best_plan = cost, plan
            if value > best:
                best, best_u, stall = value, u.copy(), 0
            else:
                stall += 1
                if stall >= PATIENCE:
                    lam, stall, u = lam / 2.0, 0, best_u.copy()
                    if lam < MIN_STEP:
                        break
                    continue
            if best >= upper - 1e-9 * abs(upper) or time.perf_counter() - t0 > time_limit:
                break
            sub = 1.0 - np.bincount(ii, weights=fr * y[jj], minlength=self.n)
            norm = float(sub @ sub)
            if norm < 1e-12:
                break  # the relaxed plan serves everyone exactly: u is optimal
            u = u + lam * max(upper - value, 1e-6 * abs(upper)) / norm * sub
        return LagrangeResult(best, best_u, it, time.perf_counter() - t0,
                              cuts[-keep_cuts:], upper, best_plan)

    def flip_bounds(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(y, bounds): the Lagrangian plan at u, and per site L(u) with that site flipped
        (closed if y opens it, else opened). A plan cheaper than bounds[j] keeps site j as y has it."""
        g, _ = self.site_values(u)
        w = self.f + g
        base = float(u.sum())
        y = self.sites(w)
        bounds = np.empty(self.m)
        for j in range(self.m):
            flip = self.sites(w, closed=np.array([j])) if y[j] > 0.0 else \
                self.sites(w, open_=np.array([j]))
            bounds[j] = base + float(w @ flip)
        return y, bounds

    def fixable(self, u: np.ndarray, upper: float) -> tuple[np.ndarray, np.ndarray]:
        """(must_open, must_close): sites whose flip lifts L(u) above `upper`; a plan that
        costs no more than `upper` keeps them as they are in the Lagrangian plan."""
        y, bounds = self.flip_bounds(u)
        above = bounds > upper + 1e-9 * abs(upper)
        return (y == 1.0) & above, (y == 0.0) & above

    def cut(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        """(constant, coefficients): eta >= constant + coefficients @ y for every plan y."""
        g, _ = self.site_values(u)
        return float(u.sum()), g
