"""A first plan for the facility types, on top of the heuristic's service plan (model side).

Greedy, per type: committees with the fewest plots in
reach (three or fewer) first, then the largest needs, each to its service plot when the type may go there and fits, else to the plot
where serving it costs least now (an open facility of the type grows by its need; a new one pays
the type's fixed cost, less the co-location saving where another type already stands),
within what the shared plot has left; then the street centres of a "1+N" type. None when a
committee finds no plot with room: the solver then starts without a plan.
"""

from __future__ import annotations

import numpy as np


def _saving(ts, present: set[str], name: str) -> float:
    if not present:
        return 0.0
    if ts.saving is not None:
        return ts.saving if len(present) == 1 else 0.0  # once per plot
    return sum(ts.pairs.get(frozenset((name, t)), 0.0) for t in present)


def greedy_types(pm, blocks, plan):
    """The greedy with each committee sent to its service plot first; when that fills a plot
    some committee needs (a dense district, or one grown in a timeline's later year), again
    by cost alone, and last by tightest fit (the plot its need leaves the least room on: a
    packing rule, for districts whose plots barely hold every type)."""
    for mode in ("home", "cost", "fit"):
        got = _greedy(pm, blocks, plan, mode)
        if got is not None:
            return got
    return None


def _greedy(pm, blocks, plan, mode: str):
    inst, ts = pm.inst, pm.scenario.types
    sidx = {str(s): i for i, s in enumerate(inst.site_ids)}
    room = inst.max_area.astype(float).copy()
    present: list[set[str]] = [set() for _ in range(inst.n_sites)]
    for sid, a in plan.areas.items():
        i = sidx[sid]
        room[i] -= a + sum(v.get(sid, 0.0) for v in plan.extra.values())
        present[i].add("service")
    types = {}
    for b in blocks:
        got = _one_type(inst, ts, b, room, present, plan, mode)
        if got is None:
            return None
        types[b.t.name] = got
    for name, (areas, assign) in types.items():
        plan.type_areas[name], plan.type_assignment[name] = areas, assign
    return plan


def _one_type(inst, ts, b, room, present, plan, mode: str = "home"):
    t = b.t
    sidx = {str(s): i for i, s in enumerate(inst.site_ids)}
    home = np.array([sidx.get(str(plan.assignment.get(str(c)) or ""), -1) for c in inst.committee_ids])
    unit = b.per_m2 + inst.horizon * b.opex
    area = np.zeros(len(b.sites))
    opened = np.zeros(len(b.sites), dtype=bool)
    order = np.argsort(b.pc, kind="stable")
    starts = np.searchsorted(b.pc[order], np.arange(inst.n_committees + 1))
    assign: dict[str, str | None] = {str(c): None for c in inst.committee_ids}
    for c in np.lexsort((-b.need, np.diff(starts) > 3)):  # few plots in reach, then large needs, first
        best, best_cost = -1, np.inf
        for q in order[starts[c]:starts[c + 1]]:
            p = b.pp[q]
            s = b.sites[p]
            grow = max(area[p] + b.need[c], t.min_area) - area[p]
            if grow > room[s] + 1e-9:
                continue
            cost = unit[p] * grow + (0.0 if opened[p] else b.fixed[p] - _saving(ts, present[s], t.name))
            if mode == "fit":
                cost = room[s] - grow
            elif mode == "home" and s == home[c]:
                cost = -np.inf  # its own service plot, when it has room: co-located
            if cost < best_cost:
                best, best_cost = p, cost
        if best < 0:
            return None
        _grow(b, best, max(area[best] + b.need[c], t.min_area) - area[best], area, opened, room, present)
        assign[str(inst.committee_ids[c])] = str(inst.site_ids[b.sites[best]])
    if t.centres is not None and not _centres(inst, b, area, opened, room, present):
        return None
    return {str(inst.site_ids[b.sites[p]]): float(area[p]) for p in np.flatnonzero(opened)}, assign


def _grow(b, p, amount, area, opened, room, present) -> None:
    s = b.sites[p]
    area[p] += amount
    room[s] -= amount
    opened[p] = True
    present[s].add(b.t.name)


def _centres(inst, b, area, opened, room, present) -> bool:
    """Enlarge (or open) plots until each street in scope has its centres."""
    from siteplan.rules.facility_types import street_scope

    c = b.t.centres
    for st in street_scope(inst, c.streets):
        mine = np.flatnonzero(inst.site_street[b.sites] == st)
        have = int(np.sum(opened[mine] & (area[mine] >= c.min_area_m2 - 1e-9)))
        # open plots first, then the roomiest others
        for p in sorted(mine, key=lambda p: (not opened[p], -room[b.sites[p]])):
            if have >= c.per_street:
                break
            if area[p] >= c.min_area_m2 - 1e-9:
                continue
            grow = c.min_area_m2 - area[p]
            if grow <= room[b.sites[p]] + 1e-9:
                _grow(b, p, grow, area, opened, room, present)
                have += 1
        if have < c.per_street:
            return False
    return True
