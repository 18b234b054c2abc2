"""Budgets: the plan's capex and its opex a year stay within what the scenario says it has.

Model (rows `budget_capex`, `budget_opex`, one each, only when a budget is given):
    capex(y, a, e)            ≤ budget.capex
    opex(a, e, w, n, y)       ≤ budget.opex_per_year
with capex and opex the linear expressions of siteplan.model.costs (the one cost formula
of the model, the warm start and the lower bounds). Elastic: the "resource" tier, one
shortfall column each in millions of CNY. The checker prices the plan with its own formula.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from siteplan.rules.base import MONEY_TOL, Rule, leq

#: share of a budget a plan must use for the budget to count as on its limit
BUDGET_USED = 0.999


def _budgets_below_bounds(scn, inst) -> list[str]:
    """A budget below what the cheapest conceivable plan must spend."""
    from siteplan.checks import capex_lower_bound, money, opex_lower_bound

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


class Budgets(Rule):
    id = "budget"
    order = 90
    tier = "resource"
    names: ClassVar[dict] = {"budget_capex": ("建设投资预算", "Capital budget"),
             "budget_opex": ("年运营预算", "Operating budget a year")}
    nudge_labels: ClassVar[dict] = {
        "budget.capex": ("建设投资预算 +100万元", "+1M CNY capex budget"),
        "budget.opex_per_year": ("年运营预算 +100万元", "+1M CNY opex budget a year"),
    }
    row_blocks = ("budget_capex", "budget_opex")

    def add_rows(self, pm):
        if pm.budget_capex is not None:
            c, v = pm.capex_terms
            pm.add_rows("budget_capex", ("city", np.zeros(1, dtype=np.int64)), np.zeros(len(c), dtype=np.int64),
                        c, v, ub=pm.budget_capex - pm.capex_const)
        if pm.budget_opex is not None:
            c, v = pm.opex_terms
            pm.add_rows("budget_opex", ("city", np.zeros(1, dtype=np.int64)), np.zeros(len(c), dtype=np.int64),
                        c, v, ub=pm.budget_opex)

    def shortfall(self, eb):
        pm = eb.pm
        if pm.budget_capex is not None:
            eb.group("capex", self.id, max(pm.budget_capex, 1e6), eb.slack_on_rows("budget_capex", -1.0, 1e6),
                     [0], 1e6)
        if pm.budget_opex is not None:
            eb.group("opex", self.id, max(pm.budget_opex, 1e6), eb.slack_on_rows("budget_opex", -1.0, 1e6),
                     [0], 1e6)

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain import mcny

        total = float(vals.sum())
        budget = words.pm.budget_capex if g.name == "capex" else words.pm.budget_opex
        per = "" if g.name == "capex" else " a year"
        words.facts.update(budget=budget, short=round(total, 2))
        return (f"the {g.name} budget of {mcny(budget)}{per} is {mcny(total)} short: the binding (约束性) "
                f"rules alone need at least {mcny(budget + total)}{per}"), total, "CNY", []

    def describe_zh(self, group, f, s, pre):
        from siteplan.analysis.explain_types import capex_for_zh
        from siteplan.report.words_zh import wan

        what = "建设投资预算" if group == "capex" else "年运营预算"
        return (f"{what}{wan(f['budget'])}缺口{wan(f['short'])}{capex_for_zh(f)}：仅满足约束性指标就至少需要"
                f"{wan(f['budget'] + f['short'])}")

    def nudges(self, scn):
        from siteplan.analysis.binding import Nudge

        out, spec = [], scn.spec
        if spec.budget.capex is not None:
            b = spec.budget.capex
            out.append(Nudge("budget.capex", "capex budget", {"budget.capex": b + 1e6}, b, b + 1e6, 1e6, "CNY",
                             relaxes=True))
        if spec.budget.opex_per_year is not None:
            b = spec.budget.opex_per_year
            out.append(Nudge("budget.opex_per_year", "opex budget a year", {"budget.opex_per_year": b + 1e6}, b,
                             b + 1e6, 1e6, "CNY/year", relaxes=True))
        return out

    def used_share(self, key, scn, totals) -> float | None:
        """The share of a budget the plan uses (None: not a budget, or no budget set)."""
        budget = {"budget.capex": scn.spec.budget.capex, "budget.opex_per_year": scn.spec.budget.opex_per_year}
        b = budget.get(key)
        if b is None or getattr(scn, "timeline", None) is not None:
            return None  # a timeline's budgets are per year: the totals of all years cannot say
        used = totals["capex"] if key == "budget.capex" else totals["opex_per_year"]
        return used / b if b > 0 else 1.0

    def at_limit(self, key, scn, ev):
        used = self.used_share(key, scn, ev.totals)
        if used is None:
            return None
        b = scn.spec.budget.capex if key == "budget.capex" else scn.spec.budget.opex_per_year
        return used >= BUDGET_USED or used * b >= b - MONEY_TOL

    def check(self, ctx, chk):
        budget = ctx.spec.budget
        if budget.capex is not None:
            chk.add("budget_capex", "city", budget.capex, round(ctx.capex, 2),
                    leq(ctx.capex, budget.capex, MONEY_TOL), op="<=")
        if budget.opex_per_year is not None:
            chk.add("budget_opex", "city", budget.opex_per_year, round(ctx.opex, 2),
                    leq(ctx.opex, budget.opex_per_year, MONEY_TOL), op="<=")


    proof_stages = (2,)

    def prove_infeasible(self, scn, inst, stage=0):
        return _budgets_below_bounds(scn, inst)


RULES = [Budgets()]
