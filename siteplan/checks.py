"""Cheap proofs that no plan can exist, run by `validate` and before every solve.

The proofs live in their rules (`Rule.prove_infeasible`); this module runs them and holds
what several share: lower bounds on capex and opex, the fewest workers, money and id lists.
Each proof returns plain-language reasons with the numbers that prove them ("capex budget
30.0M is below the 41.2M that the minimum floor area alone needs"), so a bureau learns what
is wrong in milliseconds instead of after a long solver run.
"""

from __future__ import annotations

import math

import numpy as np

from siteplan.instance import Instance
from siteplan.kinds import AreaScope, Objective
from siteplan.model.costs import SiteCosts, window_staff
from siteplan.scenario.load import Scenario


def money(v: float) -> str:
    """CNY in millions, as bureaus read budgets."""
    return f"{v / 1e6:,.1f}M"


def names(ids, limit=5) -> str:
    """The first few ids, and how many more."""
    ids = list(ids)
    head = ", ".join(ids[:limit])
    return head + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def min_workers(inst: Instance) -> tuple[int, int]:
    """(fewest workers any plan can have, most urban workers the bands allow)."""
    urban_min = int(inst.band_min[inst.urban].sum())
    rural_min = int(inst.band_min[~inst.urban].sum())
    need = math.ceil(inst.required_workers - 1e-9)
    return rural_min + max(urban_min, need), int(inst.band_max[inst.urban].sum())


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


def prove_infeasible(scn: Scenario, inst: Instance) -> list[str]:
    """All the reasons the rules find (`Rule.prove_infeasible`, stage by stage, then in
    registry order); empty means no cheap proof (a plan may still not exist)."""
    from siteplan.rules import registered

    def stage(k: int) -> list[str]:
        return [r for rule in registered() if k in rule.proof_stages for r in rule.prove_infeasible(scn, inst, k)]

    reasons = stage(0)
    if not reasons:  # a stage-1 proof (the max-flow one) subsumes stage-0 ones; run it after
        reasons += stage(1)
    return reasons + stage(2)


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
