"""A first timeline plan for the solver: the last year's network, built up as money allows.

Why: a timeline's yearly capex rows make a first feasible point hard for the solver to find
(HiGHS found none on Xinhe 2021–2025 in 15 s without one). The last year's single-period
warm start (siteplan.pipeline.heuristic_start: LP, greedy, local search; else the last
year's own model, solved briefly) gives a network that serves everyone; its facilities are then opened at their final size, forced sites in
the first year and the others in order of residents served per yuan, each in the first year
whose budget (with carry-over, what is left) still pays for it. Committees are served from
the year their site opens; workers are each year's fewest meeting its bands and density.
With facility types, a plot's types open in the year its plot does, at their final size.
None when the network does not fit the budgets or the plan breaks a row (the solver then
starts without it).
"""

from __future__ import annotations

import numpy as np

from siteplan.decisions import Plan
from siteplan.model.heuristic import allocate_workers


def final_network(tm, backend: str, say, time_limit: float | None) -> Plan | None:
    """The last year's plan: the single-period warm start (again with room kept for the
    facility types, when the first fills a plot some committee's type needs), else its own
    model solved briefly."""
    from dataclasses import replace

    from siteplan.pipeline import heuristic_start

    last = len(tm.years) - 1
    scn, inst, model, pm = tm.scenario.timeline.scenarios[last], tm.insts[last], tm.models[last], tm.pms[last]
    final = heuristic_start(scn, inst, model, pm, backend, say, time_limit)
    kept = sole_plot_needs(inst, pm.data.get("facility_types", []))
    if final is None and kept.any():
        smaller = replace(inst, max_area=np.maximum(inst.max_area - kept, 0.0))
        final = heuristic_start(scn, smaller, model, pm, backend, say, time_limit)
    return final if final is not None else _last_year_mip(tm, backend, say, time_limit)


def sole_plot_needs(inst, blocks) -> np.ndarray:
    """m² per plot that facility types need there: the type floor of every committee whose
    only plot in that type's reach it is (the service greedy would otherwise fill it)."""
    kept = np.zeros(inst.n_sites)
    for b in blocks:
        count = np.bincount(b.pc, minlength=inst.n_committees)
        sole = count[b.pc] == 1
        np.add.at(kept, b.sites[b.pp[sole]], np.maximum(b.need[b.pc[sole]], b.t.min_area))
    return kept


def phased_start(tm, backend: str, say, time_limit: float | None, final: Plan | None = None) -> list[Plan] | None:
    scn = tm.scenario
    tl = scn.timeline
    last = len(tm.years) - 1
    if final is None:
        final = final_network(tm, backend, say, time_limit)
    if final is None:
        return None
    inst = tm.insts[last]
    sidx = {s: i for i, s in enumerate(inst.site_ids)}
    forced = inst.existing | inst.required
    cost: dict[str, float] = {}
    served: dict[str, int] = {}
    for sid in final.areas:
        s = sidx[sid]
        floor = final.areas[sid] + sum(v.get(sid, 0.0) for v in final.extra.values())
        fixed = 0.0 if inst.existing[s] else inst.fixed_cost[s]
        cost[sid] = fixed + inst.cost_per_m2[s] * (floor - inst.existing_area[s])
    _type_costs(scn, final, sidx, cost)
    res = dict(zip(inst.committee_ids, inst.residents))
    for assign in (final.assignment, *final.type_assignment.values()):
        for cid, at in assign.items():
            if at is not None:
                served[at] = served.get(at, 0) + int(res[cid])
    todo = sorted((s for s in cost if not forced[sidx[s]]),
                  key=lambda s: -served.get(s, 0) / max(cost[s], 1.0))
    opened: dict[str, int] = {s: 0 for s in cost if forced[sidx[s]]}
    left = 0.0
    for i, y in enumerate(tm.years):
        cap = tl.capex[y]
        money = np.inf if cap is None else cap + (left if tl.carry_over else 0.0)
        money -= sum(cost[s] for s, yr in opened.items() if yr == i)
        if money < -1.0:
            return None
        for sid in list(todo):
            if cost[sid] <= money or i == last and cap is None:
                opened[sid] = i
                money -= cost[sid]
                todo.remove(sid)
        left = money if np.isfinite(money) else 0.0
    if todo:
        return None
    plans = []
    for i, inst_i in enumerate(tm.insts):
        workers = allocate_workers(inst_i)
        if workers is None:
            return None
        open_i = {s for s, yr in opened.items() if yr <= i}
        plans.append(Plan(areas={s: final.areas[s] for s in open_i if s in final.areas},
                          windows={s: n for s, n in final.windows.items() if s in open_i},
                          assignment={c: (s if s in open_i else None) for c, s in final.assignment.items()},
                          workers=dict(zip(inst_i.committee_ids, (int(w) for w in workers))),
                          extra={k: {s: v for s, v in vals.items() if s in open_i} for k, vals in final.extra.items()},
                          type_areas={t: {s: a for s, a in v.items() if s in open_i}
                                      for t, v in final.type_areas.items()},
                          type_assignment={t: {c: (s if s in open_i else None) for c, s in v.items()}
                                           for t, v in final.type_assignment.items()}))
    return plans


def _last_year_mip(tm, backend: str, say, time_limit: float | None) -> Plan | None:
    """The last year's own model, solved briefly (a fifth of the time limit, at most 20 s):
    when the greedy packs no plan (plots that barely hold every facility type), the solver
    finds one in seconds on the single year, where the joint model finds none."""
    from siteplan.backends import SolveOptions
    from siteplan.model.decode import decode
    from siteplan.pipeline import solve

    i = len(tm.years) - 1
    say("computing a first plan (the last year's network by the solver)")
    res = solve(tm.models[i], backend, SolveOptions(time_limit=min(20.0, 0.2 * (time_limit or 60.0))))
    return decode(tm.pms[i], res.x) if res.status.has_solution and res.x is not None else None


def _type_costs(scn, final: Plan, sidx: dict, cost: dict[str, float]) -> None:
    """Add each plot's facility types (fixed + per m² at their final size, less the plot's
    co-location saving) to its cost: a plot's types open in the same year as its service."""
    from siteplan.scenario.facility_types import plot_saving, type_price

    ts = scn.types
    if ts is None:
        return
    sit = scn.tables.sites
    present: dict[str, list[str]] = {sid: ["service"] for sid in final.areas}
    for t in ts.types:
        fixed, per_m2 = type_price(sit, t, "fixed", "fixed_cost"), type_price(sit, t, "per_m2", "cost_per_m2")
        for sid, area in final.type_areas.get(t.name, {}).items():
            s = sidx[sid]
            cost[sid] = cost.get(sid, 0.0) + fixed[s] + per_m2[s] * area
            present.setdefault(sid, []).append(t.name)
    for sid, names in present.items():
        cost[sid] -= plot_saving(ts, names)
