"""Why a timeline scenario has no plan: the first year that fails, and what falls short in it.

Why per year: a bureau asks "which year's money or milestone is the problem", and the
joint model's infeasibility names no year. The diagnosis:

1. each year's own proofs (siteplan.checks.prove_infeasible on that year's scenario);
2. the first year k whose prefix (years first..k, linked and budgeted exactly as the joint
   model, siteplan.timeline.model) has no plan: the solver proves it, one prefix at a time;
3. year k's scenario explained by the single-period machinery (siteplan.analysis.explain)
   with the capex all years first..k could spend (the sum of their budgets): whatever
   that still leaves short, year k lacks even with every earlier yuan spent for it, so
   the amounts are lower bounds on what must change. A full-coverage milestone of year k
   makes its scenario min_cost (every committee served). When year k alone is then
   feasible, the shortfall is the timing: the money is there but in the wrong years.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from siteplan.analysis.explain import Diagnosis, Shortfall, explain_infeasible, mcny
from siteplan.backends import SolveOptions, solve
from siteplan.kinds import Objective
from siteplan.plan import evaluate
from siteplan.result import Termination


def first_failing_year(scn, backend: str, opts: SolveOptions) -> tuple[int | None, np.ndarray | None, Any]:
    """(index of the first year whose prefix has no plan or None, a plan vector of the
    longest feasible prefix, its TimelineModel)."""
    from siteplan.timeline.model import build_timeline_model

    x, tm_ok = None, None
    for k in range(len(scn.timeline.years)):
        model, tm = build_timeline_model(scn, upto=k)
        res = solve(model.replace(c=np.zeros(model.n_vars), offset=0.0, sense="min", warm_start=None), backend, opts)
        if res.status == Termination.INFEASIBLE:
            return k, x, tm_ok
        if res.status.has_solution:
            x, tm_ok = res.x, tm
    return None, x, tm_ok


def _year_scenario(scn, k: int):
    """Year k's scenario with the capex the years up to k could spend together (None: some
    year has no capex budget)."""
    tl = scn.timeline
    caps = [tl.capex[y] for y in tl.years[: k + 1]]
    cap = None if any(c is None for c in caps) else float(sum(c for c in caps if c is not None))
    scn_k = tl.scenarios[k]
    update: dict = {"budget": scn_k.spec.budget.model_copy(update={"capex": cap})}
    share = scn_k.standards.coverage or {}
    if "coverage" in tl.milestones and share and all(float(v) >= 1.0 for v in share.values()):
        # a full-coverage milestone: the timeline enforces it by its own rows, a single
        # period only under min_cost (every committee served, each shortfall priced)
        update["objective"] = Objective.MIN_COST
    due = scn_k.due
    if "coverage" in tl.milestones:
        # a kind fully due this year (the timeline's cover rows, service and every type)
        due = tuple(k for k, v in share.items() if float(v) >= 1.0)
    return replace(scn_k, spec=scn_k.spec.model_copy(update=update), due=due), cap


def _provided(plan) -> set[tuple[str, str]]:
    """(type, committee id) pairs a plan serves: what a year already has."""
    got = {("service", c) for c, s in plan.assignment.items() if s}
    for t, assign in plan.type_assignment.items():
        got |= {(t, c) for c, s in assign.items() if s}
    return got


def explain_timeline(scn, *, backend: str | None = None, options: SolveOptions | None = None,
                     price: bool = True, time_budget: float | None = None, workers: int | None = None,
                     exact_defaults: bool = False) -> Diagnosis:
    """The per-year diagnosis (see the module docstring); `Diagnosis.scenario` is the failing
    year's scenario (named `<name>@<year>`), whose diagnostic plan it carries."""
    from siteplan.checks import prove_infeasible
    from siteplan.instance import build_instance
    from siteplan.pipeline import solver_settings
    from siteplan.timeline.solve import decode_years

    tl = scn.timeline
    name, opts = solver_settings(scn, backend, options)
    proofs = []
    for year, scn_i in zip(tl.years, tl.scenarios):
        proofs += [f"in {year}: {p}" for p in prove_infeasible(scn_i, build_instance(scn_i))]
    k, x, tm = first_failing_year(scn, name, opts)
    if k is None:
        assert x is not None and tm is not None
        plans = decode_years(tm, x)
        return Diagnosis(scenario=scn, feasible=True, shortfalls=[], proofs=proofs, plan=plans[-1],
                         evaluation=evaluate(tl.scenarios[-1], plans[-1]), tier_values={},
                         solver={"backend": name, "status": "feasible"})
    year, first = tl.years[k], tl.years[0]
    scn_k, cap = _year_scenario(scn, k)
    diag = explain_infeasible(scn_k, backend=name, options=opts, price=price, time_budget=time_budget,
                              workers=workers, exact_defaults=exact_defaults)
    span = f"{first}" if k == 0 else f"{first}–{year}"
    if diag.feasible:
        text = (f"in {year} no plan meets the rules together with the years before it, yet {year}'s rules alone "
                f"can be met with the {mcny(cap or 0.0)} capex budgeted for {span}: the money is in the wrong "
                "years (spend limits per year, opex or milestones of earlier years); set budget.carry_over: true "
                "or move capex to earlier years")
        diag.shortfalls = [Shortfall(group="timing", rule="budget_capex_year", title="yearly capex budgets",
                                     kind="resource", tier="resource", amount=0.0, unit="CNY", text=text,
                                     facts={"year": year, "capex_until_year": cap})]
        diag.feasible = False
    else:
        from siteplan.analysis.explain_types import name_capex_shortfall

        before = _provided(decode_years(tm, x)[-1]) if k > 0 and x is not None else set()
        due = {(t, str(c["committee_id"])) for c in diag.evaluation.committees
               for t in ["service", *(scn_k.types.names[1:] if scn_k.types else ())]} - before
        for sf in diag.shortfalls:
            name_capex_shortfall(sf, scn_k, diag.evaluation, due)
            sf.facts["year"] = year
            sf.text = f"in {year} {sf.text}"
            if sf.group == "capex" and cap is not None:
                what = f"the capex budget of {year}" if k == 0 else f"the capex budgets of {span} together"
                sf.text += f" ({what}: {mcny(cap)}, all of it spent by {year})"
    diag.proofs = proofs + [f"in {year}: {p}" for p in diag.proofs]
    diag.tier_values["year"] = year
    diag.solver = dict(diag.solver, year=year, first_failing_prefix=f"{span}")
    return diag
