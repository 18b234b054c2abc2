"""A sweep point whose model is a restriction of a solved point's: that answer, without a solve.

Why it is exact. Let point j's model equal point k's except that some row bounds are tighter
(same matrix, integer columns, column bounds, costs and offset): j's feasible set is a subset
of k's, so j's optimum is no better than k's and any bound proven at k holds at j. If k's
plan also meets every row of j's model, it is optimal at j with the same proven gap. For
max_coverage both phases carry over: the coverage phase by this argument, and the least-cost
phase is then the same restriction with the same coverage floor. Typical case: a capex sweep
whose plan at a higher budget costs less than a lower budget (the money stopped binding, e.g.
once every committee is covered); every budget between that cost and the higher one gets
the plan. The direction matters: a plan with slack at a *lower* budget says nothing about a
higher one (an integer plan costing more than the lower budget may cover more).

Only answers proven optimal (within the gap) are reused; the plan is still checked by the
independent checker on this point's scenario, and the record says where it came from.
"""

from __future__ import annotations

import numpy as np

from siteplan.backends.base import SolveOptions
from siteplan.backends.highs_kept import same_structure
from siteplan.checks import prove_infeasible
from siteplan.instance import build_instance
from siteplan.kinds import Objective, Phase
from siteplan.model.build import add_coverage_floor
from siteplan.model.decode import broken_rows, plan_to_vector
from siteplan.model.ir import Model
from siteplan.plan import Plan, evaluate
from siteplan.result import SolveResult, Termination, relative_gap
from siteplan.scenario.load import Scenario


def is_restriction(tight: Model, loose: Model) -> bool:
    """True when every plan of `tight` is a plan of `loose` with the same objective value:
    same matrix, integer columns, column bounds, costs, offset and sense, and each row's
    bounds inside `loose`'s."""
    return (tight.sense == loose.sense and same_structure(loose, tight)
            and np.array_equal(tight.c, loose.c) and tight.offset == loose.offset
            and np.array_equal(tight.lb, loose.lb) and np.array_equal(tight.ub, loose.ub)
            and bool(np.all(tight.row_lb >= loose.row_lb)) and bool(np.all(tight.row_ub <= loose.row_ub)))


def reuse_answer(scn: Scenario, solved: Scenario, plan: Plan, phases: list[dict], source: str,
                 backend: str, options: SolveOptions):
    """The `Outcome` of `scn` taken from the solved point (`solved`, its `plan` and solver
    `phases` as recorded, `source` its label; `backend`, `options` this sweep's), or None when that is not provably its answer: a timeline, cover
    cuts, a phase not proven optimal, a model that is not a restriction of the solved one,
    or a plan that breaks one of this point's rows or fails the independent check."""
    from siteplan.pipeline import Outcome, facility_gap, planning_model

    if scn.timeline is not None or solved.timeline is not None or scn.spec.solver.cover_rounds:
        return None
    if scn.spec.objective != solved.spec.objective or not phases:
        return None
    if any(p.get("status") != Termination.OPTIMAL.value for p in phases):
        return None
    inst = build_instance(scn)
    if prove_infeasible(scn, inst):
        return None
    model, pm = planning_model(scn, inst)
    loose, _ = planning_model(solved, build_instance(solved))
    if not is_restriction(model, loose):
        return None
    if scn.spec.objective == Objective.MAX_COVERAGE:
        if len(phases) != 2:
            return None
        model = add_coverage_floor(model, pm, -float(phases[0]["objective"]))  # same floor as the solved point
    x = plan_to_vector(pm, model, plan)
    if broken_rows(model, x):
        return None
    ev = evaluate(scn, plan)
    if not ev.ok:
        return None
    last = phases[-1]
    objective = float(model.c @ x + model.offset)
    note = {"reused_from": source}
    res = SolveResult(backend=last["backend"], status=Termination.OPTIMAL, objective=objective,
                      bound=last["bound"], gap=relative_gap(objective, last["bound"]), x=x,
                      nodes=0, backend_version=last.get("backend_version", ""),
                      message=f"the answer of {source} (this point's model is a restriction of it)", extra=note)
    out_phases = [{**p, "solve_seconds": 0.0, "build_seconds": 0.0, "nodes": 0,
                   "extra": {**{k: v for k, v in (p.get("extra") or {}).items() if k != "model_reuse"}, **note},
                   "phase": Phase(p["phase"])} for p in phases]
    return Outcome(scenario=scn, instance=inst, model=model, result=res, plan=plan, evaluation=ev,
                   backend=backend, options=options, phases=out_phases,
                   facility_gap=facility_gap(model, res, scn.spec.objective), timings={"solve": 0.0})
