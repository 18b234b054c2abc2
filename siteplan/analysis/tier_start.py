"""Plans for explain's solves built around a fixed site plan: tier starts and price starts.

Why: in the elastic model the sites (open, assignment) are the hard integer part; with them
fixed, what is left (areas, workers, windows, shortfalls, budget slack) solves in a tenth of
a second. And the worker tiers (workers per 10,000, band minimums) depend on the sites only
through the opex a year they leave to pay workers: the site plan with the least opex is
their best. The LP-guided greedy and local search of siteplan.model.heuristic, run on opex,
finds a near one in a tenth of a second, where the MIP's own heuristics took 8-26 s on
Xinhe. A start never decides a figure on its own: a tier is still proven by the LP bound
(siteplan.analysis.lattice) or solved by the MIP from the start.
"""

from __future__ import annotations

import numpy as np

from siteplan.backends import SolveOptions, solve
from siteplan.model.build import PlanningModel
from siteplan.model.ir import Model

#: seconds for one completion around fixed sites (a small MIP over workers and windows)
COMPLETE_SECONDS = 10.0
#: seconds of local search for one greedy site plan
GREEDY_SECONDS = 1.0


def fix_sites(model: Model, pm: PlanningModel, y: np.ndarray, assign: np.ndarray) -> Model:
    """`model` with the open and assignment columns fixed at `y` and `assign` (rounded)."""
    lb, ub = model.lb.copy(), model.ub.copy()
    for cols, val in ((pm.y, y), (pm.x, assign)):
        v = np.clip(np.round(val), lb[cols], ub[cols])
        lb[cols] = ub[cols] = v
    return model.replace(lb=lb, ub=ub, warm_start=None)


def complete(model: Model, pm: PlanningModel, x: np.ndarray, backend: str, opts: SolveOptions,
             gap: float | None = 1e-9) -> np.ndarray | None:
    """The best plan of `model` with the sites of `x` kept (areas and the rest re-chosen), or
    None when those sites admit none (e.g. a cap row of an earlier tier)."""
    small = fix_sites(model, pm, x[pm.y], x[pm.x])
    o = SolveOptions(**{**opts.as_dict(), "time_limit": COMPLETE_SECONDS, "mip_gap": gap, "abs_gap": None})
    res = solve(small, backend, o)
    return res.x if res.status.has_solution and res.x is not None else None


def _columns(pm: PlanningModel, n: int, is_open: np.ndarray, where: np.ndarray) -> np.ndarray:
    """A vector of `n` columns with only the open and assignment columns of a greedy plan set."""
    inst = pm.inst
    x = np.zeros(n)
    x[pm.y] = is_open.astype(float)
    x[pm.x] = (inst.pair_s == where[inst.pair_c]).astype(float)
    return x


def greedy_site_plans(pm: PlanningModel, lp_x: np.ndarray) -> list[np.ndarray]:
    """Site plans of least opex a year from the LP relaxation's point `lp_x`: one that builds
    only what the committees need, one that also meets the minimum facility areas."""
    from siteplan.model.heuristic import greedy_plan, opex_costs
    from siteplan.rules import registered

    inst = pm.inst
    extra = [f for f in (r.committee_floor(pm) for r in registered()) if f is not None]
    floor = np.sum(extra, axis=0) if extra else None
    out = []
    for min_area in (False, True):
        got = greedy_plan(inst, lp_x[pm.y], GREEDY_SECONDS, lp_x[pm.x], extra_floor=floor,
                          costs=opex_costs(inst, min_area=min_area))
        if got is not None:
            out.append(_columns(pm, len(lp_x), *got))
    return out


def best_start(model: Model, pm: PlanningModel, c: np.ndarray, start: np.ndarray | None,
               lp_x: np.ndarray, backend: str, opts: SolveOptions) -> np.ndarray | None:
    """The lowest-cost (`c`) of `start` and the greedy site plans completed in `model`."""
    best, value = start, (np.inf if start is None else float(c @ start))
    for sites in greedy_site_plans(pm, lp_x):
        x = complete(model, pm, sites, backend, opts)
        if x is not None and float(c @ x) < value - 1e-9:
            best, value = x, float(c @ x)
    return best


def agreement_search(model: Model, pm: PlanningModel, c: np.ndarray, x: np.ndarray, lp_x: np.ndarray,
                     backend: str, opts: SolveOptions) -> np.ndarray:
    """A better plan than `x` (cost `c`) when one is near: the assignments on which `x` and
    the LP point `lp_x` agree are kept, and the sites and the other assignments re-chosen by
    one MIP from `x` within `opts.time_limit`. Returns `x` when it finds nothing better.

    Why: on Xinhe's minimum-area tier HiGHS spends 25 s in root cuts before its own search of
    this kind finds a better plan (158.6 from 189.4); this one finds 158.9 (1,516 m² short
    instead of 2,648) in 2.1-2.2 CPU s. Only a plan: the tier is still proven, or said as a
    range with its bound, by the LP and the MIP.
    """
    lb, ub = model.lb.copy(), model.ub.copy()
    cols = np.asarray(pm.x)
    plan = np.round(x[cols])
    agree = np.abs(lp_x[cols] - plan) < 1e-6
    lb[cols[agree]] = ub[cols[agree]] = plan[agree]
    res = solve(model.replace(lb=lb, ub=ub, warm_start=x), backend, opts)
    if res.status.has_solution and res.x is not None and float(c @ res.x) < float(c @ x) - 1e-9 * max(1.0, abs(float(c @ x))):
        return res.x
    return x
