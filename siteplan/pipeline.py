"""One planning run: load -> checks -> instance -> build -> solve -> decode -> evaluate.

This is the library entry point the CLI, the run store, sweeps and benchmarks call.
A plan that fails the independent checker is never returned as a solution.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from siteplan.backends import SolveOptions, solve
from siteplan.backends.registry import SCENARIO_BACKEND
from siteplan.backends.session import SolverSession
from siteplan.checks import facility_cost_lower_bound, prove_infeasible
from siteplan.errors import CheckFailedError, InfeasibleError, NoSolutionError, SolverError
from siteplan.instance import Instance, build_instance
from siteplan.kinds import MONEY_PHASES, AreaScope, Objective, Phase
from siteplan.model.build import PlanningModel, add_coverage_floor, build_planning_model
from siteplan.model.decode import broken_rows, decode, plan_to_vector
from siteplan.model.heuristic import HEURISTIC_IGNORES, allocate_workers, warm_start_plan
from siteplan.model.ir import Model
from siteplan.plan import Evaluation, Plan, evaluate

__all__ = ["Outcome", "decode", "plan_to_vector", "solve_scenario", "solver_settings"]  # decode and
# plan_to_vector live in siteplan.model.decode; re-exported for the callers that import them here
from siteplan.result import ProgressEvent, SolveResult, Termination
from siteplan.scenario.load import Scenario, load_scenario


@dataclass
class Outcome:
    scenario: Scenario
    instance: Instance
    model: Model
    result: SolveResult
    plan: Plan
    evaluation: Evaluation
    backend: str
    options: SolveOptions
    timings: dict = field(default_factory=dict)
    phases: list[dict] = field(default_factory=list)
    facility_gap: float | None = None

    @property
    def status(self) -> Termination:
        """The run's status: the final solve's `SolveResult.status`."""
        return self.result.status


def solver_settings(scn: Scenario, backend: str | None = None, options: SolveOptions | None = None,
                    profile: str | None = None) -> tuple[str, SolveOptions]:
    """Backend and options: scenario `solver:` block < profile < explicit arguments."""
    spec = scn.spec.solver
    name = spec.backend
    opts = SolveOptions(time_limit=spec.time_limit, mip_gap=spec.mip_gap, threads=spec.threads,
                        seed=spec.seed, log=spec.log)
    prof = profile or spec.profile
    if prof:
        from siteplan.solver_profiles import load_profile

        if spec.profile and not profile and scn.path and not Path(prof).is_absolute():
            cand = scn.path.parent / prof
            prof = str(cand) if cand.exists() else prof
        name, opts = load_profile(prof)
    if options is not None:
        opts = options
    return backend or name or SCENARIO_BACKEND, opts


def fix_workers(scn: Scenario, inst: Instance, model: Model, pm: PlanningModel) -> Model:
    """With no opex budget, workers do not interact with sites: fix the fair allocation.

    Every allocation with the fewest workers costs the same, so this loses nothing under any
    objective, and the solver no longer branches over thousands of equivalent integer
    columns. With an opex budget, workers compete with floor area for money: left free.
    Returns the model with the workers' bounds fixed (the same model when nothing is fixed).
    """
    if scn.spec.budget.opex_per_year is not None:
        return model
    w = allocate_workers(inst)
    if w is None:
        return model
    lb, ub = model.lb.copy(), model.ub.copy()
    lb[pm.w] = w
    ub[pm.w] = w
    return model.replace(lb=lb, ub=ub)


def planning_model(scn: Scenario, inst: Instance) -> tuple[Model, PlanningModel]:
    """The model `solve_scenario` solves, before cover cuts and warm starts: built, with the
    workers fixed where that loses nothing (`fix_workers`). Sweeps compare points' models."""
    spec = scn.spec
    model, pm = build_planning_model(inst, spec.objective, scn.standards.area_scope,
                                     spec.budget.capex, spec.budget.opex_per_year, scenario=scn)
    return fix_workers(scn, inst, model, pm), pm


#: share of the run's time limit the warm start's LP relaxation may take (no limit: 60 s)
LP_SHARE = 0.25


def heuristic_start(scn: Scenario, inst: Instance, model: Model, pm: PlanningModel, backend: str,
                    say, time_limit: float | None = None, session: SolverSession | None = None) -> Plan | None:
    """LP-guided greedy + local search plan (min_cost, facility scope), or None.

    Solvers prune far better from a good first incumbent: on a 5,000-committee city HiGHS
    otherwise spends its whole time limit at the root with only a trivial solution. The LP
    relaxation gets a share of the run's time limit (`LP_SHARE`), never more.
    """
    from siteplan.backends.registry import get_backend, lp_backend
    from siteplan.rules import registered

    if (scn.spec.objective != Objective.MIN_COST or scn.standards.area_scope != AreaScope.FACILITY
            or not get_backend(backend).supports_warm_start):
        return None
    workers = allocate_workers(inst)
    if workers is None:
        return None
    say("computing a first plan (LP relaxation, greedy, local search)")
    extra = [f for f in (r.committee_floor(pm) for r in registered()) if f is not None]
    lp = model.replace(integer=np.zeros_like(model.integer), warm_start=None)
    limit = time_limit or 60.0
    lp_opts = SolveOptions(time_limit=min(60.0, LP_SHARE * limit))
    res = (session.solve if session is not None else solve)(lp, lp_backend(backend), lp_opts)
    lp_open = res.x[pm.y] if res.x is not None else None
    lp_assign = res.x[pm.x] if res.x is not None else None
    plan = warm_start_plan(inst, workers, lp_open, seconds=min(0.1 * limit, 2.0 + inst.n_committees / 1000),
                           lp_assign=lp_assign, extra_floor=cast(np.ndarray, sum(extra)) if extra else None)
    for rule in registered():
        plan = rule.complete_start(pm, plan) if plan is not None else None
    if plan is None:
        say("no first plan (the greedy found none that fits every plot); solving without one")
    return plan


def lp_solver(backend: str) -> Callable[[Model, float | None], tuple[np.ndarray, float] | None]:
    """An LP solve for model code (`siteplan.model.covers.LpSolver`): `backend`'s LP route."""
    from siteplan.backends.registry import lp_backend

    route = lp_backend(backend)

    def solve_lp(lp: Model, seconds: float | None) -> tuple[np.ndarray, float] | None:
        res = solve(lp, route, SolveOptions(time_limit=seconds))
        return None if res.x is None or res.objective is None else (res.x, res.objective)

    return solve_lp


def with_covers(model: Model, pm: PlanningModel, backend: str, rounds: int, time_limit: float | None,
                say) -> Model:
    """The model with the plots' violated lifted covers added (`solver.cover_rounds`); the
    loop's LPs get the warm start's share of the time limit."""
    from siteplan.model.covers import add_cover_cuts

    out, info = add_cover_cuts(model, pm, lp_solver(backend), rounds,
                               None if time_limit is None else LP_SHARE * time_limit)
    say(f"cover cuts on the plots: {info.rows:,} rows in {info.rounds} LP rounds ({info.seconds:.1f} s)")
    return out


def start_vector(pm: PlanningModel, model: Model, plan: Plan, *, own: bool, say) -> np.ndarray | None:
    """The warm-start vector of `plan`, checked against every row of the model.

    `own`: the plan is siteplan's own heuristic start, which meets every row but the budgets
    by construction (`HEURISTIC_IGNORES`): one that breaks another row is a bug, raised with
    the rows it breaks. A start that breaks a budget, or a given plan (a sweep neighbour, the
    base of a --binding nudge) that breaks the changed scenario's rows, is left out and the
    progress line says which rows: never silently.
    """
    vec = plan_to_vector(pm, model, plan)
    broken = broken_rows(model, vec)
    if not broken:
        return vec
    what = ", ".join(f"{name} ({n} row{'s' if n > 1 else ''}, by up to {amount:,.6g})" for name, n, amount in broken)
    if own and any(name not in HEURISTIC_IGNORES for name, _, _ in broken):
        raise SolverError(f"the warm-start heuristic's plan breaks model rows: {what}",
                          fix="this is a bug in siteplan.model.heuristic or a rule's warm_start; please report it")
    say(f"the {'first plan' if own else 'given warm start'} breaks {what}; solving without it")
    return None


def solver_progress(say: Callable[[str], None], model: Model, backend: str) -> Callable[[ProgressEvent], None]:
    """A progress line per solver event: best plan and bound in the user's terms, and for
    min_cost the gap on the facility part (the part the gap target is about)."""
    money = model.meta.get("objective") in MONEY_PHASES
    rest = None  # the objective's non-facility part, when every column in it is fixed
    fc = model.meta.get("facility_cost")
    if money and fc is not None:
        other = np.flatnonzero(model.c != fc)
        if np.all(model.lb[other] == model.ub[other]):
            rest = float((model.c - fc)[other] @ model.lb[other] + model.offset - model.meta["facility_const"])

    def show(v: float) -> str:
        u = model.user_objective(v)
        assert u is not None  # a number in, a number out
        return f"{u / 1e6:,.2f}M" if money else f"{u:,.0f}"

    def report(ev: ProgressEvent) -> None:
        inc, bnd = ev.get("incumbent"), ev.get("bound")
        parts = [f"{backend} {ev['seconds']:.0f} s", f"best plan {show(inc)}" if inc is not None else "no plan yet"]
        if bnd is not None:
            parts.append(f"bound {show(bnd)}")
        if inc is not None and bnd is not None and rest is not None and inc - rest > 0:
            parts.append(f"facility gap {100 * max(inc - bnd, 0.0) / (inc - rest):.3f}%")
        parts.append(f"{ev.get('nodes', 0):,} nodes")
        say(", ".join(parts))

    return report


def _run(model: Model, backend: str, opts: SolveOptions, say=None, session: SolverSession | None = None) -> SolveResult:
    """Solve one phase; a route that picks the backend per model (adaptive) picks here, says which
    and why, and the result keeps it (`extra["route"]`)."""
    from siteplan.backends.adaptive import describe, pick, routed
    from siteplan.backends.registry import get_backend

    route, why, opts, spent = pick(get_backend(backend), model, opts)
    line = describe(route, why)
    if line and say is not None:
        say(line)
    if say is not None:
        opts = SolveOptions(**opts.as_dict(), progress=solver_progress(say, model, route))
    res = session.solve(model, route, opts) if session is not None else solve(model, route, opts)
    if res.status == Termination.ERROR:
        raise SolverError(f"backend {route!r} failed: {res.message}")
    return routed(res, route, why, spent)


def least_cost_result(coverage: SolveResult, least_cost: SolveResult) -> SolveResult:
    """The least-cost phase's result, claiming no more than the coverage phase proved: when
    that phase stopped at a limit, the most coverage is not proven and neither is the plan
    (status feasible, with that phase's limit), whatever the second phase proved."""
    if coverage.status == Termination.OPTIMAL or least_cost.status != Termination.OPTIMAL:
        return least_cost
    return replace(least_cost, status=Termination.FEASIBLE, limit=coverage.limit or "other",
                   message=(least_cost.message + "; " if least_cost.message else "")
                   + f"the coverage phase stopped ({coverage.limit or 'limit'}): the most coverage is not proven")


def solve_scenario(scenario: Scenario | str | Path, *, backend: str | None = None,
                   options: SolveOptions | None = None, profile: str | None = None,
                   overrides: dict[str, Any] | None = None, warm_start: Plan | None = None,
                   progress: Callable[[str], None] | None = None, session: SolverSession | None = None) -> Outcome:
    """Solve one scenario and return the checked plan; raise a `SiteplanError` otherwise.

    `session` (sweeps): solve in its kept solver instances when this scenario's models have
    the structure of earlier ones (`siteplan.backends.session`); the same result either way."""
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
    if scn.timeline is not None:  # several years: siteplan.timeline (each year is this model)
        from siteplan.timeline.solve import solve_timeline

        return solve_timeline(scn, backend=backend, options=options, profile=profile, progress=progress)
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    inst = build_instance(scn)
    reasons = prove_infeasible(scn, inst)
    if reasons:
        raise InfeasibleError("no plan can meet every rule: " + reasons[0]
                              + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""),
                              reasons=reasons, where=str(scn.path) if scn.path else None,
                              fix="relax the standard or budget named, or add candidate sites")
    t_inst = time.perf_counter() - t1
    t2 = time.perf_counter()
    spec = scn.spec
    model, pm = planning_model(scn, inst)
    t_build = time.perf_counter() - t2
    name, opts = solver_settings(scn, backend, options, profile)
    if spec.objective == Objective.MIN_COST and opts.mip_gap:
        # the gap target applies to the facility part: workers' large cost would hide gaps
        f_lb = facility_cost_lower_bound(scn, inst)
        if f_lb > 0:
            opts = SolveOptions(**{**opts.as_dict(), "abs_gap": opts.mip_gap * f_lb, "mip_gap": 1e-9})
    t4 = time.perf_counter()
    if spec.solver.cover_rounds:
        model = with_covers(model, pm, name, spec.solver.cover_rounds, opts.time_limit, say)
    own = warm_start is None
    if own:
        warm_start = heuristic_start(scn, inst, model, pm, name, say, opts.time_limit, session)
    if warm_start is not None:
        model = model.replace(warm_start=start_vector(pm, model, warm_start, own=own, say=say))
    t_heur = time.perf_counter() - t4
    if opts.time_limit is not None and t_heur > 0.5:
        # the time limit is for the whole run: the solver gets what the heuristic left
        opts = SolveOptions(**{**opts.as_dict(), "time_limit": max(opts.time_limit - t_heur,
                                                                   0.25 * opts.time_limit)})
    say(f"solving {model.n_vars:,} variables x {model.n_rows:,} rows with {name}")
    res = _run(model, name, opts, progress, session)
    phases = [dict(res.summary(), phase=Phase(spec.objective))]
    if spec.objective == Objective.MAX_COVERAGE and res.status.has_solution:
        assert res.objective is not None  # a solution has an objective value
        covered = -res.objective
        say(f"phase 2: least cost covering {covered:,.0f} residents")
        model2 = add_coverage_floor(model, pm, covered).replace(warm_start=res.x)
        opts2 = opts
        if opts.time_limit is not None:  # both phases share the run's time limit
            opts2 = SolveOptions(**{**opts.as_dict(), "time_limit": max(opts.time_limit - res.solve_seconds,
                                                                        0.25 * opts.time_limit)})
        res2 = _run(model2, name, opts2, progress, session)
        phases.append(dict(res2.summary(), phase=Phase.MIN_COST_AT_MAX_COVERAGE))
        if res2.status.has_solution:
            res2.extra["coverage_phase"] = phases[0]
            res, model = least_cost_result(res, res2), model2
    raise_for_status(res, name, scn)
    assert res.x is not None  # has_solution: the backend returned the point
    plan = decode(pm, res.x)
    t3 = time.perf_counter()
    ev = evaluate(scn, plan)
    t_eval = time.perf_counter() - t3
    if not ev.ok:
        raise_check_failed(name, ev.violations)
    fgap = facility_gap(model, res, spec.objective)
    return Outcome(scenario=scn, instance=inst, model=model, result=res, plan=plan, evaluation=ev,
                   backend=name, options=opts, phases=phases, facility_gap=fgap,
                   timings={"load": t_load, "instance_and_checks": t_inst, "build": t_build, "heuristic": t_heur,
                            "solve": sum(p["solve_seconds"] for p in phases), "evaluate": t_eval,
                            "total": time.perf_counter() - t0})


def raise_for_status(res, name: str, scn, claim: str = "no plan meets every rule",
                     relax: str = "which rule or budget") -> None:
    """The error for a solve that ended without a plan (proved infeasible, unbounded, a limit);
    `claim`/`relax` word it for a single plan or a timeline."""
    if res.status == Termination.INFEASIBLE:
        raise InfeasibleError(f"the solver ({name}) proved that {claim}",
                              where=str(scn.path) if scn.path else None,
                              fix=f"run `siteplan explain` to see {relax} to relax")
    if res.status == Termination.UNBOUNDED:
        raise SolverError(f"the solver ({name}) reports the model unbounded (a bug: please report it)")
    if not res.status.has_solution:
        raise NoSolutionError(f"no plan found within the limits ({res.limit or 'limit'} after "
                              f"{res.solve_seconds:.0f} s)", fix="raise solver.time_limit or try another backend")


def raise_check_failed(name: str, violations: list[dict], what: str = "plan") -> None:
    """A solver's plan the independent checker rejects: the first violation (with its year on
    a timeline) and how many there are."""
    v = violations[0]
    year = f" in {v['year']}" if v.get("year") is not None else ""
    raise CheckFailedError(
        f"the {name} {what} fails the independent check: {v['rule']}{year} at {v['scope']} "
        f"(required {v['required']}, got {v['achieved']}); {len(violations)} violation(s)",
        fix="this is a bug or a numerical problem in the solver; try another backend and report it")


def facility_gap(model, res, objective) -> float | None:
    """The gap on the facility part of a least-cost plan (the workers' cost is fixed by the
    bands, so the whole-objective gap understates it); None for other objectives."""
    if objective != Objective.MIN_COST or res.bound is None or res.objective is None:
        return None
    fvalue = float(model.meta["facility_cost"] @ res.x + model.meta["facility_const"])
    return max(0.0, res.objective - res.bound) / max(abs(fvalue), 1e-9)
