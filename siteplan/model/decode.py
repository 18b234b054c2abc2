"""From a solution vector to a `Plan` (decode) and back (a warm start).

The model layer owns both directions: it knows its columns. Each rule writes and reads the
decisions of its own columns (`Rule.decode`, `Rule.warm_start`).
"""

from __future__ import annotations

import numpy as np

from siteplan.decisions import Plan
from siteplan.kinds import AreaScope
from siteplan.model.build import PlanningModel
from siteplan.model.ir import Model


def decode(pm: PlanningModel, x: np.ndarray, area_scope: AreaScope | None = None) -> Plan:
    """Round the integer columns and set areas to their cheapest feasible value for them."""
    from siteplan.rules import registered

    inst = pm.inst
    area_scope = area_scope or pm.area_scope
    y = x[pm.y] > 0.5
    chosen = x[pm.x] > 0.5
    assignment: dict[str, str | None] = {c: None for c in inst.committee_ids}
    served = np.full(inst.n_committees, -1, dtype=np.int64)
    served_need = np.zeros(inst.n_sites)
    for k in np.flatnonzero(chosen):
        c, s = inst.pair_c[k], inst.pair_s[k]
        assignment[inst.committee_ids[c]] = inst.site_ids[s]
        served[c] = s
        served_need[s] += inst.area_need[c]
        y[s] = True
    area = np.maximum(x[pm.a], inst.existing_area)
    area = np.maximum(area, np.where(y, inst.min_area, 0.0))
    if area_scope == AreaScope.FACILITY:
        area = np.maximum(area, served_need)
    area = np.minimum(area, np.maximum(inst.max_area, inst.existing_area))
    areas = {inst.site_ids[s]: float(area[s]) for s in np.flatnonzero(y)}
    workers = {c: round(v) for c, v in zip(inst.committee_ids, x[pm.w])}
    plan = Plan(areas=areas, windows={}, assignment=assignment, workers=workers)
    for rule in registered():
        rule.decode(pm, x, plan, served)
    return plan


def plan_to_vector(pm: PlanningModel, model: Model, plan: Plan) -> np.ndarray:
    """A warm start: the model's columns for a plan (e.g. the neighbouring sweep point)."""
    from siteplan.rules import registered

    inst = pm.inst
    x = np.zeros(model.n_vars)
    sidx = {s: i for i, s in enumerate(inst.site_ids)}
    for sid, area in plan.areas.items():
        if sid in sidx:
            x[pm.y[sidx[sid]]] = 1.0
            x[pm.a[sidx[sid]]] = area
    pair_of = {(int(c), int(s)): k for k, (c, s) in enumerate(zip(inst.pair_c, inst.pair_s))}
    for ci, cid in enumerate(inst.committee_ids):
        serving = plan.assignment.get(cid)
        if serving is not None and (ci, sidx.get(serving, -1)) in pair_of:
            x[pm.x[pair_of[(ci, sidx[serving])]]] = 1.0
    for rule in registered():
        rule.warm_start(pm, plan, x)
    return np.clip(x, model.lb, model.ub)


def broken_rows(model: Model, x: np.ndarray, tol: float = 1e-6) -> list[tuple[str, int, float]]:
    """(row block, rows broken, worst amount) for each block a vector breaks beyond `tol`
    (as `Model.violation` measures it; column bounds and integrality as "bounds" and
    "integrality"), worst first."""
    act = model.A @ x
    over = np.maximum(model.row_lb - act, act - model.row_ub)
    out = []
    for name, sl in model.row_blocks.items():
        bad = over[sl] > tol
        if bad.any():
            out.append((name, int(bad.sum()), float(over[sl][bad].max())))
    col = np.maximum(model.lb - x, x - model.ub)
    if (col > tol).any():
        out.append(("bounds", int((col > tol).sum()), float(col.max())))
    frac = np.abs(x - np.round(x)) * model.integer
    if (frac > tol).any():
        out.append(("integrality", int((frac > tol).sum()), float(frac.max())))
    return sorted(out, key=lambda t: -t[2])
