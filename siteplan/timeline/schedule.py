"""Final state first: the best build schedule of one final network, as the joint solve's start.

Why: on a timeline the solver's bound is already as good as the last year's own bound
(building as late as the yearly budgets allow is what the LP does too), yet HiGHS stays at
the root of the joint model and never improves its first plan: Xinhe 2021–2025 with two
types kept a greedy schedule 12.6% above the bound for 120 s. Which sites stand in the last
year carries most of the discounted cost; *when* each opens is a small MIP once that is
known. So: take a final network (the last year's plan, `start.final_network`), fix the
last year's block to it (every integer column but the workers: which sites and types
stand, who is served where), and solve the joint model so restricted. The keep-open rows
then allow a site or type only where the final network has it, and the solver picks the
year of each opening and the floor area of each year under the yearly budgets and
milestones; on Xinhe that MIP is solved to optimality in about a second.
"""

from __future__ import annotations

import numpy as np

from siteplan.backends import SolveOptions
from siteplan.decisions import Plan
from siteplan.model.decode import broken_rows, plan_to_vector
from siteplan.model.ir import Model


def scheduled_start(tm, model: Model, final: Plan, backend: str, say, seconds: float,
                    start: np.ndarray | None = None) -> np.ndarray | None:
    """The joint vector of `final`'s best schedule within `seconds`, or None when the
    budgets and milestones cannot build that network in time (or no schedule is found).
    `start`: a schedule of the same network to begin from (the phased greedy's)."""
    from siteplan.pipeline import _run

    last = len(tm.years) - 1
    m, pm = tm.models[last], tm.pms[last]
    fixed = restricted_to(tm, model, plan_to_vector(pm, m, final))
    say(f"scheduling the final network over {len(tm.years)} years (a first plan)")
    res = _run(fixed.replace(warm_start=start), backend, SolveOptions(time_limit=seconds, mip_gap=1e-4))
    if not res.status.has_solution or res.x is None:
        say(f"no schedule of the final network ({res.status.value}); using the phased plan")
        return None
    x = np.clip(res.x, model.lb, model.ub)
    ints = model.integer
    x[ints] = np.round(x[ints])
    if broken_rows(model, x):
        return None
    return x


def restricted_to(tm, model: Model, last_x: np.ndarray) -> Model:
    """`model` with the last year's integer columns (workers aside) fixed at `last_x`."""
    last = len(tm.years) - 1
    m, pm = tm.models[last], tm.pms[last]
    local = np.flatnonzero(m.integer)
    local = np.setdiff1d(local, pm.w)
    cols = tm.cols(last, local)
    vals = np.clip(np.round(last_x[local]), model.lb[cols], model.ub[cols])
    lb, ub = model.lb.copy(), model.ub.copy()
    lb[cols] = ub[cols] = vals
    return model.replace(lb=lb, ub=ub)
