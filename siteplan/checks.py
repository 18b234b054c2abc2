"""Cheap proofs that no plan can exist, run by `validate` and before every solve.

Each check returns plain-language reasons with the numbers that prove them ("capex budget
30.0M is below the 41.2M that the minimum floor area alone needs"), so a bureau learns what
is wrong in milliseconds instead of after a long solver run.
"""

from __future__ import annotations

import math

import numpy as np

from siteplan import distance
from siteplan.instance import Instance
from siteplan.kinds import AreaScope, Objective
from siteplan.model.costs import SiteCosts, window_staff
from siteplan.scenario.load import Scenario


def money(v: float) -> str:
    """CNY in millions, as bureaus read budgets."""
    return f"{v / 1e6:,.1f}M"


def _names(ids, limit=5) -> str:
    ids = list(ids)
    head = ", ".join(ids[:limit])
    return head + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def check_reach(scn: Scenario, inst: Instance) -> list[str]:
    if scn.spec.objective == Objective.MAX_COVERAGE:
        return []
    lonely = np.flatnonzero(inst.pairs_per_committee() == 0)
    if not len(lonely):
        return []
    t = scn.tables
    usable = ~inst.excluded
    detail = ""
    if usable.any():
        spec = scn.spec.distance_spec
        idx, d = distance.get(spec.method).nearest(t, lonely, np.flatnonzero(usable), spec.circuity)
        sids = inst.site_ids[usable][idx]
        # a committee with no site at any distance: no distances given for it (matrix), or
        # its streets connect to no site (network: an island, e.g. across a river)
        parts = [f"{inst.committee_ids[c]} → {sids[k]} at {d[k]:,.0f} m" if idx[k] >= 0 else
                 f"{inst.committee_ids[c]} → no site at any distance" for k, c in enumerate(lonely[:5])]
        detail = "; nearest: " + ", ".join(parts) if parts else ""
    reach = sorted({f"{r:,.0f} m" for r in inst.reach_m[lonely]})
    verb = "has" if len(lonely) == 1 else "have"
    return [(f"committee{'s' if len(lonely) > 1 else ''} {_names(inst.committee_ids[lonely])} "
            f"{verb} no candidate site within {' / '.join(reach)}{detail}")]


def min_workers(inst: Instance) -> tuple[int, int]:
    """(fewest workers any plan can have, most urban workers the bands allow)."""
    urban_min = int(inst.band_min[inst.urban].sum())
    rural_min = int(inst.band_min[~inst.urban].sum())
    need = math.ceil(inst.required_workers - 1e-9)
    return rural_min + max(urban_min, need), int(inst.band_max[inst.urban].sum())


def check_workers(scn: Scenario, inst: Instance) -> list[str]:
    need = math.ceil(inst.required_workers - 1e-9)
    _, most = min_workers(inst)
    if most < need:
        rate = scn.standards.workers_per_10k_urban
        return [(f"the committee_workers bands allow at most {most:,} urban workers "
                f"({1e4 * most / max(1, inst.residents[inst.urban].sum()):.1f} per 10,000 urban residents), "
                f"but {rate:g} per 10,000 needs {need:,}")]
    return []


def check_area_caps(scn: Scenario, inst: Instance) -> list[str]:
    reasons = []
    forced = inst.existing | inst.required
    bad = np.flatnonzero(forced & (inst.min_area > inst.max_area))
    if len(bad):
        reasons.append(f"site{'s' if len(bad) > 1 else ''} {_names(inst.site_ids[bad])} must be open but "
                       f"max_area_m2 {inst.max_area[bad[0]]:,.0f} is below the minimum facility area "
                       f"{inst.min_area[bad[0]]:,.0f} m²")
    if scn.standards.area_scope == AreaScope.FACILITY and inst.n_pairs and scn.spec.objective != Objective.MAX_COVERAGE:
        cap = np.full(inst.n_committees, -1.0)
        np.maximum.at(cap, inst.pair_c, inst.max_area[inst.pair_s])
        short = np.flatnonzero((cap >= 0) & (inst.area_need > cap + 1e-9))
        if len(short):
            c = short[0]
            reasons.append(f"committee{'s' if len(short) > 1 else ''} {_names(inst.committee_ids[short])} "
                           f"need{'s' if len(short) == 1 else ''} {inst.area_need[c]:,.0f} m² (for {inst.households[c]:,} "
                           f"households) but no site within reach allows more than {cap[c]:,.0f} m²")
    if scn.standards.area_scope == AreaScope.STREET and scn.spec.objective != Objective.MAX_COVERAGE:
        n_t = len(inst.streets)
        need = np.bincount(inst.committee_street, weights=inst.area_need, minlength=n_t)
        usable = ~inst.excluded
        cap = np.bincount(inst.site_street[usable], weights=inst.max_area[usable], minlength=n_t)
        for t in np.flatnonzero(need > cap + 1e-9)[:5]:
            reasons.append(f"street {inst.streets[t]} needs {need[t]:,.0f} m² of facilities but its sites "
                           f"allow at most {cap[t]:,.0f} m²")
    return reasons


def check_capacity_flow(scn: Scenario, inst: Instance) -> list[str]:
    """Max-flow proof: committees whose reachable plots cannot hold their need together.

    Even splitting committees across sites (weaker than the model's single site), the
    floor area that plots in reach allow must cover every committee's need. The committees
    left on the source side of a minimum cut are a set that provably cannot be housed.
    """
    if scn.standards.area_scope != AreaScope.FACILITY or scn.spec.objective == Objective.MAX_COVERAGE or not inst.n_pairs:
        return []
    import scipy.sparse as sp
    from scipy.sparse.csgraph import maximum_flow

    n_c, n_s = inst.n_committees, inst.n_sites
    src, sink = n_c + n_s, n_c + n_s + 1
    demand = np.floor(inst.area_need).astype(np.int64)  # rounding down keeps the proof valid
    cap = np.ceil(np.where(inst.excluded, 0.0, inst.max_area)).astype(np.int64)
    big = int(demand.sum()) + 1
    rows = np.concatenate([np.full(n_c, src), inst.pair_c, n_c + np.arange(n_s)])
    cols = np.concatenate([np.arange(n_c), n_c + inst.pair_s, np.full(n_s, sink)])
    caps = np.concatenate([demand, np.full(inst.n_pairs, big), cap])
    g = sp.csr_matrix((caps.astype(np.int32) if big < 2**31 else caps, (rows, cols)),
                      shape=(n_c + n_s + 2, n_c + n_s + 2))
    g.sum_duplicates()
    res = maximum_flow(g, src, sink)
    short = int(demand.sum()) - int(res.flow_value)
    if short <= 0:
        return []
    # committees still reachable from the source in the residual graph form the deficient set
    flow = res.flow.tocsr()
    resid = (g - flow).tocsr()
    resid.data = np.where(resid.data > 0, 1, 0)
    resid.eliminate_zeros()
    back = (-flow).tocsr()
    back.data = np.where(back.data > 0, 1, 0)
    back.eliminate_zeros()
    from scipy.sparse.csgraph import breadth_first_order

    reach_set = breadth_first_order((resid + back).tocsr(), src, return_predecessors=False)
    deficient = np.array(sorted(int(v) for v in reach_set if v < n_c), dtype=np.int64)
    sites = np.unique(inst.pair_s[np.isin(inst.pair_c, deficient)])
    return [(f"committees {_names(inst.committee_ids[deficient])} need {inst.area_need[deficient].sum():,.0f} m² "
            f"together, but the plots within their reach ({_names(inst.site_ids[sites])}) allow only "
            f"{inst.max_area[sites].sum():,.0f} m² (short by at least {short:,} m²)")]


def _forced_sites(scn: Scenario, inst: Instance) -> np.ndarray:
    forced = inst.existing | inst.required
    if scn.spec.objective != Objective.MAX_COVERAGE:
        counts = inst.pairs_per_committee()
        sole = np.isin(inst.pair_c, np.flatnonzero(counts == 1))
        forced = forced.copy()
        forced[inst.pair_s[sole]] = True
    return forced


def capex_lower_bound(scn: Scenario, inst: Instance) -> float:
    """A valid lower bound on capex (siteplan.model.costs): forced sites' fixed costs and
    minimum areas, plus new floor area that every committee needs at its cheapest reachable
    site. Floor a rule adds (elderly care...) is left out: the bound stays valid, only weaker."""
    costs = SiteCosts.of(inst)
    forced = _forced_sites(scn, inst)
    lb = float(costs.fixed[forced].sum())
    lb += float((costs.capex_m2 * np.maximum(0.0, inst.min_area - costs.existing))[forced].sum())
    if scn.spec.objective != Objective.MAX_COVERAGE and scn.standards.area_scope == AreaScope.FACILITY and inst.n_pairs:
        free = forced | inst.existing  # area there may already be paid for above
        lb += float(inst.area_need @ costs.cheapest_per_committee(inst, costs.capex_m2, free))
    return lb


def opex_lower_bound(scn: Scenario, inst: Instance) -> tuple[float, int]:
    """(lower bound on opex per year, fewest workers) from staffing rules and floor area."""
    costs = SiteCosts.of(inst)
    workers, _ = min_workers(inst)
    lb = costs.wage * workers
    area_opex = float(costs.opex_m2 @ costs.existing)
    if scn.spec.objective != Objective.MAX_COVERAGE and inst.n_pairs:
        area_opex = max(area_opex, float(inst.area_need @ costs.cheapest_per_committee(inst, costs.opex_m2)))
    lb += area_opex
    if inst.residents_per_window and scn.spec.objective != Objective.MAX_COVERAGE:
        lb += costs.wage * window_staff(inst.residents.sum(), inst.residents_per_window, inst.window_extra_staff)
    return lb, workers


def check_budgets(scn: Scenario, inst: Instance) -> list[str]:
    reasons = []
    b = scn.spec.budget
    if b.capex is not None:
        lb = capex_lower_bound(scn, inst)
        if lb > b.capex * (1 + 1e-9) + 1:
            reasons.append(f"capex budget {money(b.capex)} is below the {money(lb)} that the minimum "
                           "floor area and the sites that must open alone need")
    if b.opex_per_year is not None:
        lb, workers = opex_lower_bound(scn, inst)
        if lb > b.opex_per_year * (1 + 1e-9) + 1:
            reasons.append(f"opex budget {money(b.opex_per_year)} a year is below the {money(lb)} a year that "
                           f"the minimum staffing ({workers:,} workers at {inst.worker_cost:,.0f}) and floor "
                           "area alone need")
    return reasons


def prove_infeasible(scn: Scenario, inst: Instance) -> list[str]:
    """All the reasons found; empty means no cheap proof (a plan may still not exist)."""
    reasons = check_reach(scn, inst) + check_workers(scn, inst) + check_area_caps(scn, inst)
    if not reasons:  # the flow proof subsumes the per-committee cap check; run it after
        reasons += check_capacity_flow(scn, inst)
    return reasons + check_budgets(scn, inst)


def facility_cost_lower_bound(scn: Scenario, inst: Instance) -> float:
    """Lower bound on capex + horizon · area opex, for an absolute gap target on that part."""
    if scn.spec.objective == Objective.MAX_COVERAGE or not inst.n_pairs:
        return 0.0
    costs = SiteCosts.of(inst)
    if scn.standards.area_scope == AreaScope.FACILITY:
        unit = np.where(inst.existing, 0.0, costs.capex_m2) + costs.horizon * costs.opex_m2
        best = costs.cheapest_per_committee(inst, unit)
        return float(inst.area_need @ best)
    return float(costs.horizon * (costs.opex_m2 @ costs.existing))
