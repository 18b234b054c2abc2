"""explain's starts around fixed sites: the least-opex greedy site plan for the worker tiers,
prices proven from the LP bound or stated as upper figures, and the gap of a stopped tier."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from tinycity import four_committees, write_city

from siteplan.analysis.elastic import build_elastic
from siteplan.analysis.explain import Diagnosis, _price_text, explain_infeasible
from siteplan.analysis.tier_start import best_start, complete
from siteplan.backends import SolveOptions, solve
from siteplan.instance import build_instance
from siteplan.model.build import build_planning_model
from siteplan.model.heuristic import greedy_plan, opex_costs
from siteplan.scenario.load import load_scenario

#: four urban committees (10,000 residents: 18 workers at 18 per 10k, 300 m² need each) and
#: two sites reaching all: A cheap to build but dear to run, B the other way round
CHEAP_TO_BUILD = ("A", "东街道", 300, 0, "urban", 0, 10, 1000, 5000, 0)
CHEAP_TO_RUN = ("B", "东街道", 400, 0, "urban", 0, 5000, 100, 5000, 0)


def _city(tmp_path, opex_budget: float):
    committees = [(f"C{i + 1}", "东街道", "urban", x, 0, 1000, 2500) for i, x in enumerate((0, 200, 500, 700))]
    return write_city(tmp_path, committees, [CHEAP_TO_BUILD, CHEAP_TO_RUN], budget={"opex_per_year": opex_budget})


def _elastic(path):
    scn = load_scenario(path)
    inst = build_instance(scn)
    model, pm = build_planning_model(inst, scn.spec.objective, scn.standards.area_scope, scn.spec.budget.capex,
                                     scn.spec.budget.opex_per_year, scenario=scn)
    return inst, build_elastic(model, pm, {r["id"]: r.get("kind", "default") for r in scn.standards.rules})


def test_opex_greedy_picks_the_site_cheapest_to_run(tmp_path):
    inst, _ = _elastic(_city(tmp_path, 2e6))
    a, b = list(inst.site_ids).index("A"), list(inst.site_ids).index("B")
    _, by_total = greedy_plan(inst, seconds=1.0)
    _, by_opex = greedy_plan(inst, seconds=1.0, costs=opex_costs(inst, min_area=False))
    assert set(by_total) == {a}  # 10 + 5 x 1,000 CNY/m² beats 5,000 + 5 x 100 over five years
    assert set(by_opex) == {b}  # but a year's running cost is what the opex budget pays


def test_worker_tier_start_is_the_least_opex_site_plan_and_meets_the_lp_bound(tmp_path):
    # 1.82M a year: with B, 1,200 m² cost 0.12M and 17 workers fit (1 short); with A, 1.2M and 6
    inst, em = _elastic(_city(tmp_path, 1.82e6))
    m, pm = em.model, em.pm
    ub = m.ub.copy()
    for g in em.groups:  # the tiers before "expected" met in full, as explain finds them
        if g.tier in ("binding", "capacity", "resource"):
            ub[g.cols] = 0.0
    mm = m.replace(ub=ub)
    c = em.tier_cost("expected")
    mm = mm.replace(c=c)
    a = list(inst.site_ids).index("A")
    at_a = np.zeros(m.n_vars)
    at_a[pm.y[a]] = 1.0
    at_a[pm.x[inst.pair_s == a]] = 1.0
    o = SolveOptions(time_limit=30)
    start = complete(mm, pm, at_a, "highs", o)
    assert start is not None and float(start[em.group("density").cols].sum()) == pytest.approx(12.0)
    lp = solve(mm.replace(integer=np.zeros_like(mm.integer)), "highs", o)
    best = best_start(mm, pm, c, start, lp.x, "highs", o)
    assert float(best[em.group("density").cols].sum()) == pytest.approx(1.0)
    assert best[pm.y[a]] == pytest.approx(0.0)
    assert float(c @ best) - float(lp.objective) < 1000 / 18  # within one worker's step: proven


def test_explain_proves_the_worker_tier_from_the_lp_bound(tmp_path):
    diag = explain_infeasible(_city(tmp_path, 1.82e6))
    assert [(s.group, s.amount) for s in diag.shortfalls] == [("density", 1.0)]
    assert diag.solver["tier_proofs"]["expected"] in ("lp", "zero")
    assert diag.shortfalls[0].price["exact"] is True
    assert diag.shortfalls[0].price["opex_per_year"] == pytest.approx(100_000, abs=1)


def test_price_exact_on_a_small_city_and_said_as_an_upper_figure_when_not(tmp_path):
    diag = explain_infeasible(four_committees(tmp_path, budget={"opex_per_year": 1_700_000}))
    assert diag.shortfalls[0].price["exact"] is True and "at most" not in diag.shortfalls[0].text
    upper = _price_text({"possible": True, "opex_per_year": 8.4e6, "opex_per_year_budget": 258.4e6,
                         "exact": False, "gap": 0.006})
    assert upper.endswith("would meet it (at most: the solver stopped before proving it the least; "
                          "the least is within 0.6% of it)")
    assert _price_text({"possible": False, "exact": False}) == "; no price found within the time limit"
    assert _price_text({"possible": False, "exact": True}) == "; no budget increase alone would meet it"


def test_a_tier_stopped_at_its_limit_says_how_far_from_the_least_it_may_be():
    fake = SimpleNamespace(tier_values={"default": 189.4, "bounds": {"default": 146.7}, "limits": ["default: time"]})
    assert Diagnosis._bounds_text(fake) == " (the siteplan default shortfalls together at most 23% above the least)"


def test_prices_once_the_time_budget_is_spent_come_from_the_diagnosis_sites(tmp_path):
    diag = explain_infeasible(four_committees(tmp_path, budget={"opex_per_year": 1_700_000}), time_budget=1e-3)
    assert "price of density: time budget spent" in diag.tier_values["limits"]
    price = diag.shortfalls[0].price
    assert price is not None and price["exact"] is True  # the LP bound proves the start's price
    assert price["opex_per_year"] == pytest.approx(100_000, abs=1)


def test_a_price_start_within_one_percent_of_its_lp_bound_needs_no_mip():
    from siteplan.analysis.explain import _close
    from siteplan.result import SolveResult, Termination

    def start(obj, bound):
        return SolveResult(backend="highs", status=Termination.FEASIBLE, limit="time", objective=obj, bound=bound)

    assert _close(start(33.6, 33.3))  # Xinhe's density price: 8.4M, the LP bound 8.33M
    assert not _close(start(33.6, 30.0)) and not _close(start(33.6, None)) and not _close(None)


def test_chinese_price_says_an_upper_figure_too():
    from siteplan.report.words_zh import _price

    upper = _price({"possible": True, "opex_per_year": 8.4e6, "exact": False, "gap": 0.009})
    assert upper.endswith("即可满足（为上限：求解在证明其最少之前停止，最少值与之相差不超过0.9%）")
    assert "为上限" not in _price({"possible": True, "opex_per_year": 8.4e6, "exact": True})
    assert _price({"possible": False, "exact": False}) == "；在时间限制内未求得所需预算"


def test_agreement_search_re_chooses_what_the_lp_disagrees_with_and_keeps_a_best_plan(tmp_path):
    from siteplan.analysis.tier_start import agreement_search

    # the same city: a plan at A (12 workers short) where the LP point runs from B
    inst, em = _elastic(_city(tmp_path, 1.82e6))
    m, pm = em.model, em.pm
    ub = m.ub.copy()
    for g in em.groups:
        if g.tier in ("binding", "capacity", "resource"):
            ub[g.cols] = 0.0
    c = em.tier_cost("expected")
    mm = m.replace(ub=ub, c=c)
    a = list(inst.site_ids).index("A")
    at_a = np.zeros(m.n_vars)
    at_a[pm.y[a]] = 1.0
    at_a[pm.x[inst.pair_s == a]] = 1.0
    o = SolveOptions(time_limit=30)
    start = complete(mm, pm, at_a, "highs", o)
    lp = solve(mm.replace(integer=np.zeros_like(mm.integer)), "highs", o)
    better = agreement_search(mm, pm, c, start, lp.x, "highs", o)
    assert float(better[em.group("density").cols].sum()) == pytest.approx(1.0)  # the tier's least: 1 short
    assert agreement_search(mm, pm, c, better, lp.x, "highs", o) is better  # nothing better near: kept
