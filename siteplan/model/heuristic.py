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
the time limit on a trivial first solution. The steps: `_first_packing` (which sites, which
order, `_pack` with `_make_room` as the last resort), `_LocalSearch` (the moves), then
`warm_start_plan` sizes areas and windows.
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
    formula of siteplan.model.costs for one site (fixed, floor, window staff).

    `opex_only`: the opex a year alone (floor and window staff, no capex), the money a
    facility plan takes from an opex budget that also pays the committees' workers (what
    `explain` minimises when a budget leaves workers short); `min_area` False: no floor
    below the existing area (a plan that may fall short of the minimum facility area)."""

    def __init__(self, inst: Instance, *, opex_only: bool = False, min_area: bool = True):
        self.inst = inst
        self.costs = SiteCosts.of(inst)
        self.floor = np.maximum(inst.min_area, inst.existing_area) if min_area else inst.existing_area.astype(float)
        if opex_only:
            self.fixed = np.zeros(inst.n_sites)
            self.unit = self.costs.opex_m2
            self.win_cost = self.costs.wage if inst.residents_per_window else 0.0
        else:
            self.fixed = self.costs.fixed - self.costs.capex_m2 * self.costs.existing
            self.unit = self.costs.unit()
            self.win_cost = self.costs.horizon * self.costs.wage if inst.residents_per_window else 0.0

    def cost(self, s: int, load: float, residents: float) -> float:
        c = self.fixed[s] + self.unit[s] * max(self.floor[s], load)
        if self.win_cost:
            c += self.win_cost * window_staff(residents, self.inst.residents_per_window, self.inst.window_extra_staff)
        return c


class _Sites:
    """What the greedy reads of an instance, in the shape it reads it: the sites each
    committee reaches and the committees each site reaches, each committee's floor need (with
    any rule's extra floor, which takes room on the plot too), residents, plot limits, the
    LP's lean towards each site and the per-site cost formula."""

    def __init__(self, inst: Instance, lp_open: np.ndarray | None, extra_floor: np.ndarray | None,
                 costs: _Costs | None = None):
        self.inst = inst
        self.cst = costs or _Costs(inst)
        self.forced = inst.existing | inst.required
        self.by_c: list[list[int]] = [[] for _ in range(inst.n_committees)]
        for k in range(inst.n_pairs):
            self.by_c[inst.pair_c[k]].append(int(inst.pair_s[k]))
        self.by_s: list[list[int]] = [[] for _ in range(inst.n_sites)]
        for k in range(inst.n_pairs):
            self.by_s[inst.pair_s[k]].append(int(inst.pair_c[k]))
        self.reach_of = [set(x) for x in self.by_c]
        self.need = inst.area_need if extra_floor is None else inst.area_need + extra_floor
        self.res = inst.residents.astype(float)
        self.cap = inst.max_area
        self.score = lp_open if lp_open is not None else np.zeros(inst.n_sites)

    def fits(self, s, load) -> bool:
        """Whether a load of `load` m² fits site s's plot."""
        return bool(load <= self.cap[s] + 1e-9)

    def added_cost(self, s, load, rsum, c) -> float:
        """What serving c at s adds to s's cost, given s's current load and residents."""
        return self.cst.cost(s, load + self.need[c], rsum + self.res[c]) - self.cst.cost(s, load, rsum)


class _Packing:
    """Where each committee is served, and each site's floor load and residents."""

    def __init__(self, sites: _Sites):
        inst = sites.inst
        self.sites = sites
        self.where = np.full(inst.n_committees, -1)
        self.load = np.zeros(inst.n_sites)
        self.rsum = np.zeros(inst.n_sites)

    def put(self, c, s) -> None:
        """Serve c (not yet served) at s."""
        self.where[c] = s
        self.load[s] += self.sites.need[c]
        self.rsum[s] += self.sites.res[c]

    def shift(self, c, to) -> None:
        """Serve c at `to` instead of where it is served now."""
        frm = self.where[c]
        self.load[frm] -= self.sites.need[c]
        self.rsum[frm] -= self.sites.res[c]
        self.put(c, to)


def _lp_open_sites(sites: _Sites) -> np.ndarray:
    """The sites to start from: the forced ones (existing, required) and those the LP
    relaxation opens more than half; never an excluded one."""
    inst = sites.inst
    return (sites.forced | (sites.score > 0.5)) & ~inst.excluded


def _packing_order(sites: _Sites) -> np.ndarray:
    """Committees with the fewest reachable sites first, then the largest: the ones that
    are hardest to place get their pick before the plots fill up."""
    return np.lexsort((-sites.need, np.array([len(x) for x in sites.by_c])))


def _lp_preference(inst: Instance, lp_assign: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(preferred site per committee, packing order) from the LP relaxation's assignment.

    The preferred site is the one the LP serves the committee from, mostly (-1 where no site
    gets half of it: the LP has no opinion worth following). The LP's sure choices are packed
    first, then the rest in `order`, so an uncertain committee cannot take the room a sure
    one needs."""
    pref = np.full(inst.n_committees, -1)
    best_x = np.zeros(inst.n_committees)
    for k in np.argsort(lp_assign, kind="stable"):
        pref[inst.pair_c[k]], best_x[inst.pair_c[k]] = inst.pair_s[k], lp_assign[k]
    pref[best_x < 0.5] = -1
    return pref, order[np.argsort(best_x[order] < 0.999, kind="stable")]


def _cheapest_open_site(sites: _Sites, packing: _Packing, open_mask: np.ndarray, c) -> int:
    """The open site with room where c adds least to the cost, or -1."""
    best, best_d = -1, math.inf
    for s in sites.by_c[c]:
        if open_mask[s] and sites.fits(s, packing.load[s] + sites.need[c]):
            d = sites.added_cost(s, packing.load[s], packing.rsum[s], c)
            if d < best_d:
                best, best_d = s, d
    return best


def _open_a_site_for(sites: _Sites, open_mask: np.ndarray, c) -> int:
    """Open the closed site c reaches whose plot holds it, the one the LP leans on most
    (then the cheapest for c alone), and return it; -1 when there is none."""
    inst, need = sites.inst, sites.need
    closed = [s for s in sites.by_c[c] if not open_mask[s] and not inst.excluded[s]
              and sites.fits(s, need[c])]
    if not closed:
        return -1
    best = min(closed, key=lambda s: sites.cst.cost(s, need[c], sites.res[c]) - 1e12 * sites.score[s])
    open_mask[best] = True
    return best


def _make_room(sites: _Sites, packing: _Packing, open_mask: np.ndarray, c) -> int:
    """Make room for c at a full open site by moving one of its committees to another open
    site with room: the last resort when every site c reaches is full or excluded. The site
    made free, or -1."""
    need = sites.need
    for s in sites.by_c[c]:
        if not open_mask[s]:
            continue
        for c2 in np.flatnonzero(packing.where == s):
            if not sites.fits(s, packing.load[s] - need[c2] + need[c]):
                continue
            for t in sites.by_c[c2]:
                if t != s and open_mask[t] and sites.fits(t, packing.load[t] + need[c2]):
                    packing.shift(c2, t)
                    return s
    return -1


def _pack(sites: _Sites, open_mask: np.ndarray, order: np.ndarray, pref: np.ndarray) -> _Packing | None:
    """One pass over the committees in `order`: each to its preferred site (`pref`, -1 for
    none) if it has room, else its cheapest open site with room, else a closed site it
    reaches (opened, in `open_mask`), else one made free by moving a committee on; None when
    even that fails."""
    packing = _Packing(sites)
    for c in order:
        p = pref[c]
        if p >= 0 and open_mask[p] and sites.fits(p, packing.load[p] + sites.need[c]):
            best = p
        else:
            best = _cheapest_open_site(sites, packing, open_mask, c)
            if best < 0:
                best = _open_a_site_for(sites, open_mask, c)
            if best < 0:
                best = _make_room(sites, packing, open_mask, c)
            if best < 0:
                return None
        packing.put(c, best)
    return packing


def _first_packing(sites: _Sites, lp_assign: np.ndarray | None) -> tuple[np.ndarray, _Packing] | None:
    """(open mask, packing) to improve on, or None when no committee order packs everyone.

    Follows the LP relaxation's assignment when there is one (a cheaper start: see
    tests/unit/test_heuristic.py); when its choices pack a committee out, packs again
    greedily from the same open sites."""
    is_open = _lp_open_sites(sites)
    order = _packing_order(sites)
    if lp_assign is not None:
        pref, lp_order = _lp_preference(sites.inst, lp_assign, order)
        opened = is_open.copy()
        got = _pack(sites, opened, lp_order, pref)
        if got is not None:
            return opened, got
    opened = is_open.copy()
    got = _pack(sites, opened, order, np.full(sites.inst.n_committees, -1))
    return None if got is None else (opened, got)


class _LocalSearch:
    """Improves a packing by moves that lower the total facility cost: single committees to
    another site (1-opt), exchanges of two committees (2-opt), closing a site and opening
    one. Stops at a local optimum or at `t_end`."""

    def __init__(self, sites: _Sites, is_open: np.ndarray, packing: _Packing, t_end: float):
        self.sites, self.is_open, self.packing, self.t_end = sites, is_open, packing, t_end
        self.members: list[set[int]] = [set() for _ in range(sites.inst.n_sites)]
        for c, s in enumerate(packing.where):
            self.members[s].add(c)

    def cost(self, s: int, dl: float = 0.0, dr: float = 0.0) -> float:
        """Site s's cost with its load and residents changed by dl and dr."""
        p = self.packing
        return self.sites.cst.cost(s, p.load[s] + dl, p.rsum[s] + dr)

    def move(self, c, to) -> None:
        """Serve c at `to` (members, loads and residents follow)."""
        self.members[self.packing.where[c]].discard(c)
        self.members[to].add(c)
        self.packing.shift(c, to)

    def improve(self) -> None:
        """Rounds of every kind of move until one round changes nothing or time runs out."""
        sites, inst = self.sites, self.sites.inst
        improved = True
        while improved and time.perf_counter() < self.t_end:
            improved = self.try_reassign()
            improved |= self.try_swap()
            for s in np.flatnonzero(self.is_open & ~sites.forced):
                if time.perf_counter() > self.t_end:
                    break
                improved |= self.try_drop(int(s))
            for s in np.flatnonzero(~self.is_open & ~inst.excluded):
                if time.perf_counter() > self.t_end:
                    break
                if sites.by_s[s]:
                    improved |= self.try_add(int(s))

    def close_empty_sites(self) -> None:
        """Close non-forced sites nobody is served at: their fixed cost buys nothing."""
        for s in np.flatnonzero(self.is_open & ~self.sites.forced):
            if not self.members[s]:
                self.is_open[s] = False

    def try_drop(self, s: int) -> bool:
        """Close s if its committees fit elsewhere for less than s costs."""
        sites, p = self.sites, self.packing
        need, res, cst = sites.need, sites.res, sites.cst
        plan: list[tuple[int, int]] = []
        extra_load: dict[int, float] = {}
        extra_res: dict[int, float] = {}
        delta = -self.cost(s)
        for c in sorted(self.members[s], key=lambda c: -need[c]):
            best, best_d = -1, math.inf
            for t in sites.by_c[c]:
                if t == s or not self.is_open[t]:
                    continue
                lt, rt = p.load[t] + extra_load.get(t, 0.0), p.rsum[t] + extra_res.get(t, 0.0)
                if sites.fits(t, lt + need[c]):
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
            self.move(c, t)
        self.is_open[s] = False
        return True

    def try_add(self, s: int) -> bool:
        """Open s if committees that move to it save more than it costs."""
        sites, p = self.sites, self.packing
        need, res, cst = sites.need, sites.res, sites.cst
        movers: list[int] = []
        l_s, r_s, delta = 0.0, 0.0, 0.0
        freed: dict[int, tuple[float, float]] = {}
        for c in sorted(sites.by_s[s], key=lambda c: -need[c]):
            t = p.where[c]
            if l_s + need[c] > sites.cap[s] + 1e-9:
                continue
            lt, rt = freed.get(t, (p.load[t], p.rsum[t]))
            save = cst.cost(t, lt, rt) - cst.cost(t, lt - need[c], rt - res[c])
            add = cst.cost(s, l_s + need[c], r_s + res[c]) - (cst.cost(s, l_s, r_s) if movers else 0.0)
            if add < save:
                movers.append(c)
                freed[t] = (lt - need[c], rt - res[c])
                l_s, r_s = l_s + need[c], r_s + res[c]
                delta += add - save
        if not movers or delta >= -1e-6:
            return False
        self.is_open[s] = True
        for c in movers:
            self.move(c, s)
        return True

    def try_reassign(self) -> bool:
        """Move single committees to a cheaper open site with room (1-opt)."""
        sites, p = self.sites, self.packing
        need, res = sites.need, sites.res
        moved = False
        for c in range(sites.inst.n_committees):
            t = p.where[c]
            save = self.cost(t) - self.cost(t, -need[c], -res[c])
            best, best_gain = -1, 1e-6
            for s2 in sites.by_c[c]:
                if s2 == t or not self.is_open[s2] or not sites.fits(s2, p.load[s2] + need[c]):
                    continue
                gain = save - sites.added_cost(s2, p.load[s2], p.rsum[s2], c)
                if gain > best_gain:
                    best, best_gain = s2, gain
            if best >= 0:
                self.move(c, best)
                moved = True
        return moved

    def try_swap(self) -> bool:
        """Exchange two committees between their sites (2-opt): with sites full, single
        moves are blocked and only an exchange frees or uses the last square metres."""
        sites, p = self.sites, self.packing
        need, res = sites.need, sites.res
        swapped = False
        for c in range(sites.inst.n_committees):
            if time.perf_counter() > self.t_end:
                break
            s1 = p.where[c]
            best, best_gain = None, 1e-6
            for s2 in sites.by_c[c]:
                if s2 == s1 or not self.is_open[s2]:
                    continue
                for c2 in self.members[s2]:
                    if s1 not in sites.reach_of[c2]:
                        continue
                    dn, dr = need[c2] - need[c], res[c2] - res[c]
                    if not sites.fits(s1, p.load[s1] + dn) or not sites.fits(s2, p.load[s2] - dn):
                        continue
                    gain = self.cost(s1) + self.cost(s2) - self.cost(s1, dn, dr) - self.cost(s2, -dn, -dr)
                    if gain > best_gain:
                        best, best_gain = (s2, c2), gain
            if best is not None:
                s2, c2 = best
                self.move(c, s2)
                self.move(c2, s1)
                swapped = True
        return swapped


def greedy_plan(inst: Instance, lp_open: np.ndarray | None = None, seconds: float = 10.0,
                lp_assign: np.ndarray | None = None, extra_floor: np.ndarray | None = None,
                costs: _Costs | None = None):
    """(open mask, assigned site per committee) or None; facility scope, everyone served.

    `extra_floor`: m² a rule adds at the serving site for each committee (elderly care...),
    counted with the area need towards the plot and the cost. `costs`: what is minimised
    (default: the total facility cost; `_Costs(inst, opex_only=True)` the opex a year)."""
    t_end = time.perf_counter() + seconds
    sites = _Sites(inst, lp_open, extra_floor, costs)
    first = _first_packing(sites, lp_assign)
    if first is None:
        return None
    search = _LocalSearch(sites, *first, t_end=t_end)
    search.improve()
    search.close_empty_sites()
    return search.is_open, search.packing.where


def _site_areas(inst: Instance, is_open: np.ndarray, where: np.ndarray,
                extra_floor: np.ndarray | None) -> np.ndarray | None:
    """Floor area per site: its floor (minimum, existing) or its committees' need, whichever
    is more; None when a rule's extra floor on top would not fit an open site's plot (the
    greedy packs by the sum, the plan states the two apart)."""
    load = np.bincount(where, weights=inst.area_need, minlength=inst.n_sites)
    area = np.maximum(np.maximum(inst.min_area, inst.existing_area), load)
    if extra_floor is not None:
        more = np.bincount(where, weights=extra_floor, minlength=inst.n_sites)
        if np.any(is_open & (area + more > np.maximum(inst.max_area, inst.existing_area) + 1e-6)):
            return None
    return area


def _site_windows(inst: Instance, is_open: np.ndarray, where: np.ndarray) -> dict[str, int]:
    """Service windows per open site for the residents it serves (none when the standards
    set no residents per window)."""
    if not inst.residents_per_window:
        return {}
    res = np.bincount(where, weights=inst.residents, minlength=inst.n_sites)
    return {inst.site_ids[s]: math.ceil(res[s] / inst.residents_per_window - 1e-9)
            for s in np.flatnonzero(is_open)}


def warm_start_plan(inst: Instance, workers: np.ndarray, lp_open: np.ndarray | None, seconds: float,
                    lp_assign: np.ndarray | None = None, extra_floor: np.ndarray | None = None) -> Plan | None:
    """A complete Plan from `greedy_plan` (facility scope, min_cost), or None. Rule floor
    (`extra_floor`) is left to the rules' warm starts, which size it from the assignment;
    a plan whose floor would not fit a plot is None (the greedy packs by the sum)."""
    got = greedy_plan(inst, lp_open=lp_open, seconds=seconds, lp_assign=lp_assign, extra_floor=extra_floor)
    if got is None:
        return None
    is_open, where = got
    area = _site_areas(inst, is_open, where, extra_floor)
    if area is None:
        return None
    return Plan(areas={inst.site_ids[s]: float(area[s]) for s in np.flatnonzero(is_open)},
                windows=_site_windows(inst, is_open, where),
                assignment={inst.committee_ids[c]: inst.site_ids[where[c]] for c in range(inst.n_committees)},
                workers={inst.committee_ids[c]: int(workers[c]) for c in range(inst.n_committees)})


def opex_costs(inst: Instance, *, min_area: bool) -> _Costs:
    """`greedy_plan`'s costs for a plan that leaves the most of an opex budget to workers:
    the opex a year of floor and window staff (with or without the minimum facility area)."""
    return _Costs(inst, opex_only=True, min_area=min_area)
