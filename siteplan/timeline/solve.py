"""Solving a timeline: the joint plan over every year, and the myopic plan year by year.

The joint solve is one MIP (siteplan.timeline.model). The myopic plan is what a bureau makes
by hand: each year in turn, with the earlier years' decisions fixed, serve as many residents
as this year's money allows (least cost among those), and in the last year serve everyone at
least cost. It is the joint solve's warm start (it is a feasible timeline plan whenever it
exists) and the benchmark's baseline (benchmarks/planning/timeline_benchmark.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from siteplan.backends import SolveOptions
from siteplan.decisions import Plan
from siteplan.errors import InfeasibleError
from siteplan.kinds import Objective, Phase
from siteplan.model.decode import broken_rows, decode, plan_to_vector
from siteplan.model.ir import INF, Model
from siteplan.pipeline import Outcome, _run, least_cost_result, solver_settings
from siteplan.timeline.model import TimelineModel, build_timeline_model, coverage_phase


@dataclass
class TimelineOutcome(Outcome):
    """An Outcome whose `plan` and `evaluation` are the last year's, plus every year's."""

    years: tuple[int, ...] = ()
    plans: list[Plan] = field(default_factory=list)
    timeline_eval: object = None
    myopic_cost: float | None = None


def decode_years(tm: TimelineModel, x: np.ndarray) -> list[Plan]:
    """One Plan per year from a joint solution (each year's own decode)."""
    return [decode(pm, tm.block(x, i)) for i, pm in enumerate(tm.pms)]


def years_vector(tm: TimelineModel, model: Model, plans: list[Plan]) -> np.ndarray:
    """The joint columns of a plan per year (a warm start)."""
    parts = [plan_to_vector(pm, tm.models[i], plans[i]) for i, pm in enumerate(tm.pms)]
    return np.clip(np.concatenate(parts), model.lb, model.ub)


def _prove(scn) -> None:
    from siteplan.checks import prove_infeasible
    from siteplan.instance import build_instance

    reasons = []
    for year, scn_i in zip(scn.timeline.years, scn.timeline.scenarios):
        reasons += [f"in {year}: {r}" for r in prove_infeasible(scn_i, build_instance(scn_i))]
    if reasons:
        raise InfeasibleError("no plan can meet every rule: " + reasons[0]
                              + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""),
                              reasons=reasons, where=str(scn.path) if scn.path else None,
                              fix="relax the standard or budget named, or add candidate sites")


def _solve_phases(model: Model, tm: TimelineModel, name: str, opts: SolveOptions, say) -> tuple:
    """(result, model solved last, phases) for the joint model (two phases for max_coverage)."""
    res = _run(model, name, opts, say)
    phases = [dict(res.summary(), phase=model.meta["objective"])]
    if tm.objective == Objective.MAX_COVERAGE and res.status.has_solution:
        assert res.objective is not None
        model2 = coverage_phase(model, tm, -res.objective).replace(warm_start=res.x)
        res2 = _run(model2, name, opts, say)
        phases.append(dict(res2.summary(), phase=Phase.MIN_COST_AT_MAX_COVERAGE))
        if res2.status.has_solution:
            res, model = least_cost_result(res, res2), model2
    return res, model, phases


def _raise_for(res, name: str, scn) -> None:
    from siteplan.pipeline import raise_for_status

    raise_for_status(res, name, scn, claim="no timeline plan meets every rule in every year",
                     relax="which year, rule or budget")


def myopic_plans(scn, name: str, opts: SolveOptions, say=None, modes=(True, False, "lookahead")) -> tuple[list[Plan], float, str] | None:
    """The year-by-year plan, its total discounted cost and how it was made, or None when
    no way given in `modes` finds a plan for every year. First "greedy" (each year serves the
    most residents this year's money allows, then least cost); when that strands a later year
    (early money spent where a milestone or the last year needed it), "minimal" (each year
    only what that year's rules require, at least cost); then "lookahead" (greedy, but each
    year's plan must still be completable: see `_lookahead`)."""
    for mode in modes:
        found = _lookahead(scn, name, opts, say) if mode == "lookahead" else _myopic(scn, name, opts, bool(mode), say)
        if found is not None:
            return (*found, "lookahead" if mode == "lookahead" else "greedy" if mode else "minimal")
    return None


def _fix(model: Model, fixed: np.ndarray | None) -> Model:
    """`model` with its first columns fixed at `fixed` (the earlier years' decisions)."""
    if fixed is None:
        return model
    lb, ub = model.lb.copy(), model.ub.copy()
    lb[: len(fixed)] = ub[: len(fixed)] = fixed
    return model.replace(lb=lb, ub=ub)


def _rounded(model: Model, x: np.ndarray, n: int) -> np.ndarray:
    out = np.round(x[:n], 9)
    ints = model.integer[:n]
    out[ints] = np.round(out[ints])
    return out


def _lookahead(scn, name: str, opts: SolveOptions, say) -> tuple[list[Plan], float] | None:
    """The greedy myopic plan that keeps the last year reachable: each year in turn serves
    the most residents its own money allows, then at least cost of the years so far, with
    the earlier years fixed, subject to the later years' rules and links (their budgets
    left out). Why: a plain greedy plan fills plots to their caps for this year's households
    and then cannot house growth or a last committee (reassign: false); a bureau knows the
    final target and keeps it reachable, yet spends each year without weighing the next."""
    tl = scn.timeline
    full, tm = build_timeline_model(scn)
    fixed: np.ndarray | None = None
    for k in range(len(tm.years)):
        _, pre = build_timeline_model(scn, upto=k)
        n_k = tm.offsets[k] + tm.models[k].n_vars
        row_ub = full.row_ub.copy()
        for y in tm.years[k + 1:]:
            sl = full.row_blocks.get(f"capex@{y}")
            if sl is not None:
                row_ub[sl] = INF  # later years' money is not this year's concern
        model = _fix(full.replace(row_ub=row_ub), fixed)
        cost = np.zeros(model.n_vars)
        cost[:n_k] = pre.cost[0]
        if k < len(tm.years) - 1:
            inst = tm.insts[k]
            c = np.zeros(model.n_vars)
            c[tm.cols(k, tm.pms[k].x)] = -inst.residents[inst.pair_c]
            first = _run(model.replace(c=c, offset=0.0, sense="max"), name, opts)
            if not first.status.has_solution or first.objective is None:
                return None
            model = coverage_phase(model.replace(c=c, sense="max"), tm, -first.objective).replace(
                warm_start=first.x)
        res = _run(model.replace(c=cost, offset=pre.cost[1], sense="min"), name, opts)
        if not res.status.has_solution or res.x is None:
            return None
        fixed = _rounded(model, res.x, n_k)
        if say:
            say(f"myopic plan (lookahead): {tl.years[k]} done")
    assert fixed is not None
    cost_all, const = tm.cost
    return decode_years(tm, fixed), float(cost_all @ fixed + const)


def _myopic(scn, name: str, opts: SolveOptions, greedy: bool, say) -> tuple[list[Plan], float] | None:
    tl = scn.timeline
    fixed: np.ndarray | None = None
    plans: list[Plan] = []
    last = len(tl.years) - 1
    for k in range(len(tl.years)):
        model, tm = build_timeline_model(scn, upto=k)
        lb, ub = model.lb.copy(), model.ub.copy()
        if fixed is not None:
            lb[: len(fixed)] = fixed
            ub[: len(fixed)] = fixed
        model = model.replace(lb=lb, ub=ub)
        if greedy and not (k == last and tm.objective == Objective.MIN_COST):
            inst = tm.insts[k]
            c = np.zeros(model.n_vars)
            c[tm.cols(k, tm.pms[k].x)] = -inst.residents[inst.pair_c]
            first = _run(model.replace(c=c, offset=0.0, sense="max"), name, opts)
            if not first.status.has_solution:
                return None
            assert first.objective is not None
            model = coverage_phase(model.replace(c=c, sense="max"), tm, -first.objective).replace(
                warm_start=first.x)
        res = _run(model.replace(c=tm.cost[0], offset=tm.cost[1], sense="min"), name, opts)
        if not res.status.has_solution:
            return None
        assert res.x is not None
        fixed = np.round(res.x[: model.n_vars], 9)
        ints = model.integer[: len(fixed)]
        fixed[ints] = np.round(fixed[ints])
        plans = decode_years(tm, fixed)
        if say:
            say(f"myopic plan ({'greedy' if greedy else 'minimal'}): {tl.years[k]} done")
    assert fixed is not None
    cost, const = tm.cost
    return plans, float(cost @ fixed + const)


def _first_plan(tm: TimelineModel, model: Model, name: str, say, time_limit: float | None) -> np.ndarray | None:
    """The joint solve's start, final state first: the last year's network, built up by the
    phased greedy (siteplan.timeline.start), then its best schedule (siteplan.timeline.schedule,
    started from the greedy's, so never worse; 0.4 of the time limit, 5 to 120 s: the joint
    solve rarely improves on it, so this is where the time pays). None
    when no last-year network is found or neither schedules it."""
    from siteplan.timeline.schedule import scheduled_start
    from siteplan.timeline.start import final_network, phased_start

    final = final_network(tm, name, say, time_limit)
    if final is None:
        return None
    phased = phased_start(tm, name, say, time_limit, final)
    start = None if phased is None else years_vector(tm, model, phased)
    if start is not None and broken_rows(model, start):
        say(f"the phased first plan breaks {broken_rows(model, start)[0][0]}")
        start = None
    seconds = min(120.0, max(5.0, 0.4 * (time_limit or 60.0)))
    best = scheduled_start(tm, model, final, name, say, seconds, start=start)
    return start if best is None else best


def _better(model: Model, a: np.ndarray, b: np.ndarray) -> bool:
    """a is a better start than b under the model's own objective."""
    va, vb = float(model.c @ a), float(model.c @ b)
    return va > vb if model.sense == "max" else va < vb


def solve_timeline(scn, *, backend: str | None = None, options: SolveOptions | None = None,
                   profile: str | None = None, warm_start: list[Plan] | None = None,
                   progress: Callable[[str], None] | None = None, myopic_start: bool = True) -> TimelineOutcome:
    """Solve every year jointly and return the checked plan; raise a `SiteplanError` otherwise."""
    from siteplan.timeline.check import evaluate_timeline

    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    _prove(scn)
    t1 = time.perf_counter()
    model, tm = build_timeline_model(scn)
    t_build = time.perf_counter() - t1
    name, opts = solver_settings(scn, backend, options, profile)
    t2 = time.perf_counter()
    myopic_cost = None
    scheduled = _first_plan(tm, model, name, say, opts.time_limit)
    if warm_start is None and scheduled is None and myopic_start and tm.objective == Objective.MIN_COST:
        say("computing the myopic year-by-year plan (a first plan)")
        lim = SolveOptions(**{**opts.as_dict(), "time_limit": max(1.0, 0.2 * (opts.time_limit or 60)
                                                                   / (2 * len(tm.years)))})
        found = myopic_plans(scn, name, lim, modes=(True,))  # a warm start: the greedy way only
        if found is not None:
            warm_start, myopic_cost, _ = found
    if warm_start is not None:
        vec = years_vector(tm, model, warm_start)
        broken = broken_rows(model, vec)
        if broken:
            say(f"the first plan breaks {broken[0][0]}; solving without it")
        elif scheduled is None or _better(model, vec, scheduled):
            scheduled = vec
    if scheduled is not None:
        model = model.replace(warm_start=scheduled)
    t_heur = time.perf_counter() - t2
    if opts.time_limit is not None and t_heur > 0.5:
        opts = SolveOptions(**{**opts.as_dict(), "time_limit": max(opts.time_limit - t_heur, 0.25 * opts.time_limit)})
    say(f"solving {model.n_vars:,} variables x {model.n_rows:,} rows over {len(tm.years)} years with {name}")
    res, model, phases = _solve_phases(model, tm, name, opts, progress)
    _raise_for(res, name, scn)
    assert res.x is not None
    plans = decode_years(tm, res.x)
    t3 = time.perf_counter()
    tev = evaluate_timeline(scn, plans)
    t_eval = time.perf_counter() - t3
    from siteplan.pipeline import facility_gap, raise_check_failed

    if not tev.ok:
        raise_check_failed(name, tev.violations, what="timeline plan")
    fgap = facility_gap(model, res, tm.objective)
    return TimelineOutcome(scenario=scn, instance=tm.insts[-1], model=model, result=res, plan=plans[-1],
                           evaluation=tev.combined, backend=name, options=opts, phases=phases, facility_gap=fgap,
                           timings={"build": t_build, "heuristic": t_heur,
                                    "solve": sum(p["solve_seconds"] for p in phases), "evaluate": t_eval,
                                    "total": time.perf_counter() - t0},
                           years=tm.years, plans=plans, timeline_eval=tev, myopic_cost=myopic_cost)
