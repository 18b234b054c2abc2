"""Primal heuristics for the planning model: worker allocation and a site-plan warm start.

Workers: with no opex budget the worker block is separate from the sites, and every
allocation with the fewest workers costs the same. `allocate_workers` picks the fair one:
band minimums first, then each extra urban worker to the committee with the most residents
per worker (a heap), which is optimal for min_cost and easy to explain.

Sites: `greedy_plan` opens the sites the LP relaxation leans on and serves each committee
from the site the LP mostly serves it from (else the cheapest open site with room, making
room by moving one committee on when all are full), then improves by moving and exchanging
committees and by dropping and adding sites while the total facility cost falls. Exchanges
matter because the cheap sites fill to their plot's limit, where no single move fits. It
gives solvers a good incumbent at once, so they prune from the start instead of spending
the time limit on a trivial first solution.
"""

from __future__ import annotations

import heapq
import math
import time

import numpy as np

from siteplan.decisions import Plan
from siteplan.instance import Instance
from siteplan.model.costs import SiteCosts, window_staff

#: row blocks the heuristic's plans may break (it does not know budgets); any other row a
#: plan of it breaks is a bug (siteplan.pipeline.start_vector raises it)
HEURISTIC_IGNORES = ("budget_capex", "budget_opex")


def allocate_workers(inst: Instance) -> np.ndarray | None:
    """Fewest workers meeting bands and density, extra workers where residents per worker is
    highest; None when the bands cannot reach the density."""
    w = inst.band_min.astype(np.int64).copy()
    need = math.ceil(inst.required_workers - 1e-9) - int(w[inst.urban].sum())
    if need <= 0:
        return w
    heap = [(-inst.residents[c] / max(w[c], 1), int(c)) for c in np.flatnonzero(inst.urban)
            if w[c] < inst.band_max[c]]
    heapq.heapify(heap)
    while need > 0 and heap:
        _, c = heapq.heappop(heap)
        w[c] += 1
        need -= 1
        if w[c] < inst.band_max[c]:
            heapq.heappush(heap, (-inst.residents[c] / w[c], c))
    return w if need <= 0 else None


class _Costs:
    """Facility cost of a site as a function of the floor area its committees need: the
    formula of siteplan.model.costs for one site (fixed, floor, window staff)."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.costs = SiteCosts.of(inst)
        self.floor = np.maximum(inst.min_area, inst.existing_area)
        self.fixed = self.costs.fixed - self.costs.capex_m2 * self.costs.existing
        self.unit = self.costs.unit()
        self.win_cost = self.costs.horizon * self.costs.wage if inst.residents_per_window else 0.0

    def cost(self, s: int, load: float, residents: float) -> float:
        c = self.fixed[s] + self.unit[s] * max(self.floor[s], load)
        if self.win_cost:
            c += self.win_cost * window_staff(residents, self.inst.residents_per_window, self.inst.window_extra_staff)
        return c


def greedy_plan(inst: Instance, lp_open: np.ndarray | None = None, seconds: float = 10.0,
                lp_assign: np.ndarray | None = None, extra_floor: np.ndarray | None = None):
    """(open mask, assigned site per committee) or None; facility scope, everyone served.

    `extra_floor`: m² a rule adds at the serving site for each committee (elderly care...),
    counted with the area need towards the plot and the cost."""
    t_end = time.perf_counter() + seconds
    cst = _Costs(inst)
    forced = inst.existing | inst.required
    by_c = [[] for _ in range(inst.n_committees)]
    for k in range(inst.n_pairs):
        by_c[inst.pair_c[k]].append(int(inst.pair_s[k]))
    by_s = [[] for _ in range(inst.n_sites)]
    for k in range(inst.n_pairs):
        by_s[inst.pair_s[k]].append(int(inst.pair_c[k]))
    need, res, cap = inst.area_need, inst.residents.astype(float), inst.max_area
    if extra_floor is not None:
        need = need + extra_floor
    score = lp_open if lp_open is not None else np.zeros(inst.n_sites)
    is_open = forced | (score > 0.5)
    is_open &= ~inst.excluded

    reach_of = [set(x) for x in by_c]
    order = np.lexsort((-need, np.array([len(x) for x in by_c])))
    no_pref = np.full(inst.n_committees, -1)
    pref = no_pref.copy()
    if lp_assign is not None:  # the site the LP relaxation serves each committee from, mostly
        best_x = np.zeros(inst.n_committees)
        for k in np.argsort(lp_assign, kind="stable"):
            pref[inst.pair_c[k]], best_x[inst.pair_c[k]] = inst.pair_s[k], lp_assign[k]
        pref[best_x < 0.5] = -1
        # the LP's sure choices first, then the rest most constrained and largest first
        lp_order = order[np.argsort(best_x[order] < 0.999, kind="stable")]

    def eject(c, open_mask, where, load, rsum) -> int:
        """Make room for c at a full open site by moving one of its committees to another
        open site with room; the site made free, or -1."""
        for s in by_c[c]:
            if not open_mask[s]:
                continue
            for c2 in np.flatnonzero(where == s):
                if load[s] - need[c2] + need[c] > cap[s] + 1e-9:
                    continue
                for t in by_c[c2]:
                    if t != s and open_mask[t] and load[t] + need[c2] <= cap[t] + 1e-9:
                        where[c2] = t
                        load[s] -= need[c2]
                        rsum[s] -= res[c2]
                        load[t] += need[c2]
                        rsum[t] += res[c2]
                        return s
        return -1

    def assign(open_mask, order, pref):
        """One pass: each committee to its preferred site (pref, -1 for none) if it has room,
        else its cheapest open site with room, else the cheapest closed reachable site, else
        one made free by moving a committee on; None when even that fails."""
        load = np.zeros(inst.n_sites)
        rsum = np.zeros(inst.n_sites)
        where = np.full(inst.n_committees, -1)
        for c in order:  # most constrained committees first, then the largest
            best, best_d = -1, math.inf
            p = pref[c]
            if p >= 0 and open_mask[p] and load[p] + need[c] <= cap[p] + 1e-9:
                best, best_d = p, -math.inf
            for s in by_c[c] if best < 0 else ():
                if open_mask[s] and load[s] + need[c] <= cap[s] + 1e-9:
                    d = cst.cost(s, load[s] + need[c], rsum[s] + res[c]) - cst.cost(s, load[s], rsum[s])
                    if d < best_d:
                        best, best_d = s, d
            if best < 0:
                closed = [s for s in by_c[c] if not open_mask[s] and not inst.excluded[s]
                          and need[c] <= cap[s] + 1e-9]
                if closed:
                    best = min(closed, key=lambda s: cst.cost(s, need[c], res[c]) - 1e12 * score[s])
                    open_mask[best] = True
                else:
                    best = eject(c, open_mask, where, load, rsum)
                    if best < 0:
                        return None
            where[c] = best
            load[best] += need[c]
            rsum[best] += res[c]
        return where, load, rsum

    opened = is_open.copy()
    got = assign(opened, lp_order, pref) if lp_assign is not None else None
    if got is None:  # no LP assignment, or its choices packed a committee out: plain greedy
        opened = is_open.copy()
        got = assign(opened, order, no_pref)
    is_open = opened
    if got is None:
        return None
    where, load, rsum = got
    members = [set() for _ in range(inst.n_sites)]
    for c, s in enumerate(where):
        members[s].add(c)

    def move(c, to):
        frm = where[c]
        members[frm].discard(c)
        load[frm] -= need[c]
        rsum[frm] -= res[c]
        members[to].add(c)
        load[to] += need[c]
        rsum[to] += res[c]
        where[c] = to

    def try_drop(s) -> bool:
        """Close s if its committees fit elsewhere for less than s costs."""
        plan, extra_load, extra_res = [], {}, {}
        delta = -cst.cost(s, load[s], rsum[s])
        for c in sorted(members[s], key=lambda c: -need[c]):
            best, best_d = -1, math.inf
            for t in by_c[c]:
                if t == s or not is_open[t]:
                    continue
                lt, rt = load[t] + extra_load.get(t, 0.0), rsum[t] + extra_res.get(t, 0.0)
                if lt + need[c] <= cap[t] + 1e-9:
                    d = cst.cost(t, lt + need[c], rt + res[c]) - cst.cost(t, lt, rt)
                    if d < best_d:
                        best, best_d = t, d
            if best < 0:
                return False
            plan.append((c, best))
            extra_load[best] = extra_load.get(best, 0.0) + need[c]
            extra_res[best] = extra_res.get(best, 0.0) + res[c]
            delta += best_d
        if delta >= -1e-6:
            return False
        for c, t in plan:
            move(c, t)
        is_open[s] = False
        return True

    def try_add(s) -> bool:
        """Open s if committees that move to it save more than it costs."""
        movers, l_s, r_s, delta = [], 0.0, 0.0, 0.0
        freed: dict[int, tuple[float, float]] = {}
        for c in sorted(by_s[s], key=lambda c: -need[c]):
            t = where[c]
            if l_s + need[c] > cap[s] + 1e-9:
                continue
            lt, rt = freed.get(t, (load[t], rsum[t]))
            save = cst.cost(t, lt, rt) - cst.cost(t, lt - need[c], rt - res[c])
            add = cst.cost(s, l_s + need[c], r_s + res[c]) - (cst.cost(s, l_s, r_s) if movers else 0.0)
            if add < save:
                movers.append(c)
                freed[t] = (lt - need[c], rt - res[c])
                l_s, r_s = l_s + need[c], r_s + res[c]
                delta += add - save
        if not movers or delta >= -1e-6:
            return False
        is_open[s] = True
        for c in movers:
            move(c, s)
        return True

    def try_reassign() -> bool:
        """Move single committees to a cheaper open site with room (1-opt)."""
        moved = False
        for c in range(inst.n_committees):
            t = where[c]
            save = cst.cost(t, load[t], rsum[t]) - cst.cost(t, load[t] - need[c], rsum[t] - res[c])
            best, best_gain = -1, 1e-6
            for s2 in by_c[c]:
                if s2 == t or not is_open[s2] or load[s2] + need[c] > cap[s2] + 1e-9:
                    continue
                gain = save - (cst.cost(s2, load[s2] + need[c], rsum[s2] + res[c]) - cst.cost(s2, load[s2], rsum[s2]))
                if gain > best_gain:
                    best, best_gain = s2, gain
            if best >= 0:
                move(c, best)
                moved = True
        return moved

    def try_swap() -> bool:
        """Exchange two committees between their sites (2-opt): with sites full, single
        moves are blocked and only an exchange frees or uses the last square metres."""
        swapped = False
        for c in range(inst.n_committees):
            if time.perf_counter() > t_end:
                break
            s1 = where[c]
            best, best_gain = None, 1e-6
            for s2 in by_c[c]:
                if s2 == s1 or not is_open[s2]:
                    continue
                for c2 in members[s2]:
                    if s1 not in reach_of[c2]:
                        continue
                    dn, dr = need[c2] - need[c], res[c2] - res[c]
                    if load[s1] + dn > cap[s1] + 1e-9 or load[s2] - dn > cap[s2] + 1e-9:
                        continue
                    gain = (cst.cost(s1, load[s1], rsum[s1]) + cst.cost(s2, load[s2], rsum[s2])
                            - cst.cost(s1, load[s1] + dn, rsum[s1] + dr) - cst.cost(s2, load[s2] - dn, rsum[s2] - dr))
                    if gain > best_gain:
                        best, best_gain = (s2, c2), gain
            if best is not None:
                s2, c2 = best
                move(c, s2)
                move(c2, s1)
                swapped = True
        return swapped

    improved = True
    while improved and time.perf_counter() < t_end:
        improved = try_reassign()
        improved |= try_swap()
        for s in np.flatnonzero(is_open & ~forced):
            if time.perf_counter() > t_end:
                break
            improved |= try_drop(int(s))
        for s in np.flatnonzero(~is_open & ~inst.excluded):
            if time.perf_counter() > t_end:
                break
            if by_s[s]:
                improved |= try_add(int(s))
    # empty non-forced sites close (their fixed cost buys nothing)
    for s in np.flatnonzero(is_open & ~forced):
        if not members[s]:
            is_open[s] = False
    return is_open, where


def warm_start_plan(inst: Instance, workers: np.ndarray, lp_open: np.ndarray | None, seconds: float,
                    lp_assign: np.ndarray | None = None, extra_floor: np.ndarray | None = None) -> Plan | None:
    """A complete Plan from `greedy_plan` (facility scope, min_cost), or None. Rule floor
    (`extra_floor`) is left to the rules' warm starts, which size it from the assignment;
    a plan whose floor would not fit a plot is None (the greedy packs by the sum)."""
    got = greedy_plan(inst, lp_open=lp_open, seconds=seconds, lp_assign=lp_assign, extra_floor=extra_floor)
    if got is None:
        return None
    is_open, where = got
    load = np.bincount(where, weights=inst.area_need, minlength=inst.n_sites)
    res = np.bincount(where, weights=inst.residents, minlength=inst.n_sites)
    area = np.maximum(np.maximum(inst.min_area, inst.existing_area), load)
    if extra_floor is not None:
        more = np.bincount(where, weights=extra_floor, minlength=inst.n_sites)
        if np.any(is_open & (area + more > np.maximum(inst.max_area, inst.existing_area) + 1e-6)):
            return None
    areas = {inst.site_ids[s]: float(area[s]) for s in np.flatnonzero(is_open)}
    windows = {}
    if inst.residents_per_window:
        windows = {inst.site_ids[s]: math.ceil(res[s] / inst.residents_per_window - 1e-9)
                   for s in np.flatnonzero(is_open)}
    return Plan(areas=areas, windows=windows,
                assignment={inst.committee_ids[c]: inst.site_ids[where[c]] for c in range(inst.n_committees)},
                workers={inst.committee_ids[c]: int(workers[c]) for c in range(inst.n_committees)})
