"""Why a scenario has no plan, in plain words with numbers, and what binds in one that does.

`explain_infeasible` solves the elastic model (siteplan.analysis.elastic) tier by tier: first the
smallest shortfall of the binding (约束性) rules, then of budgets and plot caps, then of
standard, expected and default rules, then the least cost. What is left short is the
diagnosis; each rule shortfall is then priced: the least extra budget that would meet it
with every other shortfall kept as it is. `binding_report` (siteplan.analysis.binding) measures
what the tight rules and budgets of a solved plan cost by re-solving with each nudged.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from siteplan.analysis.elastic import TIERS, WEIGHT, ElasticModel, build_elastic, with_cost
from siteplan.backends import SolveOptions, solve
from siteplan.errors import NoSolutionError, SolverError
from siteplan.instance import Instance, build_instance
from siteplan.model.build import build_planning_model
from siteplan.model.ir import INF
from siteplan.outfolder import mark_folder
from siteplan.plan import Evaluation, Plan, evaluate
from siteplan.result import Termination
from siteplan.scenario.load import Scenario, load_scenario

DIAGNOSTIC_FILE = "diagnostic_plan.json"
KIND_LABEL = {"binding": "约束性 binding", "expected": "预期性 expected", "standard": "standard",
              "default": "siteplan default", "resource": "budget",
              "capacity": "plot capacity", "model": "model"}
MOVABLE = ("resource", "capacity")  # tiers a price may move: money and land
TOL = 1e-6
#: gap of the tier and price solves: the precision of the figures a sentence reports (0.1%),
#: and far faster on a large city than proving 1e-7
TIER_GAP = 1e-3
#: a price whose plan around the diagnosis's sites is within this of its LP bound is said as
#: that upper figure with its gap, without a MIP (on Xinhe: 0.2-0.5%, where the MIPs ran to
#: their time limits without closing it)
PRICE_GAP = 1e-2
#: the least price a sentence says: a budget raise below this share of the budget is the
#: solver's rounding (said as 0), a plot raise below half a square metre prints as "0 m²"
SAID_SHARE = 1e-3
SAID_PLOT_M2 = 0.5
#: tiers of siteplan's own editable assumptions (minimum facility area, worker bands): their
#: MIP gets at most `RANGE_SECONDS` after its start and LP bound, and a tier it does not close
#: is said as a range (its plan and bound: the note's "at most N% above the least");
#: `exact_defaults` gives them their full share. Why: on Xinhe this tier never closes (its
#: 30 s end at a 5-23% gap), so the 30 s bought a tighter range, not an exact figure
RANGE_TIERS = ("default",)
RANGE_SECONDS = 5.0


def mcny(v: float) -> str:
    """Millions as bureaus read budgets; small sums in full so that they do not round to 0.0M."""
    return f"{v:,.0f} CNY" if abs(v) < 1e6 else f"{v / 1e6:,.1f}M CNY"


def _ids(items: list[str], limit: int = 6) -> str:
    head = ", ".join(items[:limit])
    return head + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass
class Shortfall:
    """One rule or budget that the least-bad plan leaves short."""

    group: str
    rule: str
    title: str
    kind: str
    tier: str
    amount: float
    unit: str
    text: str
    ids: list[str] = field(default_factory=list)
    price: dict | None = None  # {"capex": extra CNY, "opex_per_year": extra CNY/year}
    facts: dict = field(default_factory=dict)  # the numbers behind `text`, for other languages

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("group", "rule", "title", "kind", "tier", "amount",
                                              "unit", "text", "ids", "price", "facts")}


@dataclass
class Diagnosis:
    scenario: Scenario
    feasible: bool
    shortfalls: list[Shortfall]
    proofs: list[str]
    plan: Plan  # the elastic model's least-bad plan (not compliant when infeasible)
    evaluation: Evaluation
    tier_values: dict
    solver: dict

    def text(self) -> str:
        name = self.scenario.name
        if self.feasible:
            return f"{name}: feasible: a plan meets every rule and budget (nothing to relax)"
        lines = [(f"{name}: no plan meets every rule. The smallest set of shortfalls "
                 "(binding 约束性 rules are relaxed last):")]
        for i, s in enumerate(self.shortfalls, 1):
            lines.append(f"  {i}. {s.text}")
        if self.tier_values.get("limits"):
            ranged = [t for t in self.tier_values.get("ranged", []) if f"{t}: time" in self.tier_values["limits"]]
            fix = "raise solver.time_limit" + (f" ({_and([KIND_LABEL.get(t, t) for t in ranged])} shortfalls: "
                                              "explain --exact-defaults)" if ranged else "")
            lines.append("  note: a solver limit was hit (" + ", ".join(self.tier_values["limits"]) + "); "
                         "these shortfalls may not be the smallest" + self._bounds_text() + ": " + fix)
        if self.proofs:
            lines.append("  proved before solving:")
            lines += [f"   - {p}" for p in self.proofs]
        return "\n".join(lines)

    def _bounds_text(self) -> str:
        """How far a tier stopped at its limit may be from its least (its proven bound)."""
        parts = []
        for tier, bound in (self.tier_values.get("bounds") or {}).items():
            value = self.tier_values.get(tier)
            if isinstance(value, float) and value > 0:
                parts.append(f"the {KIND_LABEL.get(tier, tier)} shortfalls together at most "
                             f"{100 * (value - bound) / value:.0f}% above the least")
        return f" ({_and(parts)})" if parts else ""

    def as_dict(self) -> dict:
        return {"feasible": self.feasible, "shortfalls": [s.as_dict() for s in self.shortfalls],
                "proofs": self.proofs, "tier_values": self.tier_values, "solver": self.solver,
                "text": self.text()}


# ---------------------------------------------------------------------------- solving

def _solve_or_raise(model, backend, opts, what):
    res = solve(model, backend, opts)
    if res.status == Termination.ERROR:
        raise SolverError(f"backend {backend!r} failed on the elastic model ({what}): {res.message}")
    return res


class _Clock:
    """One time budget for all the solves of an explanation, shared out as they run."""

    def __init__(self, total: float | None, per_solve: float | None):
        self.deadline = None if total is None else time.monotonic() + total
        self.per_solve = per_solve

    def options(self, opts: SolveOptions, solves_left: int, **changes) -> SolveOptions:
        limit = self.per_solve
        if self.deadline is not None:
            share = max(5.0, (self.deadline - time.monotonic()) / max(solves_left, 1))
            limit = share if limit is None else min(limit, share)
        return SolveOptions(**{**opts.as_dict(), **changes, "time_limit": limit})

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline


def _polish(em: ElasticModel, mm, x: np.ndarray | None, backend: str, opts: SolveOptions):
    """A better warm start: `mm` with the sites of `x` kept (open, assignment) and the rest
    (areas, workers, windows, shortfalls) re-chosen, a small problem solved in moments.

    Why: on a city of a hundred committees the full tier solve can run out of time without
    improving its start, though moving a few workers would (MIP heuristics miss it).
    """
    from siteplan.analysis.tier_start import complete

    if x is None:
        return None
    got = complete(mm, em.pm, x, backend, opts)
    return x if got is None else got


def _tier_solve(em: ElasticModel, mm, c: np.ndarray, start: np.ndarray | None, backend: str, o: SolveOptions,
                tier: str, ranged: bool = False):
    """One tier's least shortfall: proven without a MIP when the start, or a greedy site plan
    of least opex completed around its sites (siteplan.analysis.tier_start), meets the LP
    bound (on the tier's lattice of whole steps, or within the tier gap); else the MIP from
    the best of them, with a gap of almost one step when the tier's values are whole steps
    (siteplan.analysis.lattice).

    A `ranged` tier (its time limit short, its answer said as a range when not closed) first
    looks for a better plan near the start (siteplan.analysis.tier_start.agreement_search),
    then gives the MIP what is left of its time (at least a second) for a better bound.

    The result says how it was proven in `extra["proof"]`: zero, lp, lattice or mip.
    """
    from siteplan.analysis.lattice import tier_lattice
    from siteplan.analysis.tier_start import agreement_search, best_start
    from siteplan.result import SolveResult

    lat = tier_lattice(mm, c)

    def done(x, value, bound, proof):
        return SolveResult(backend=backend, status=Termination.OPTIMAL, objective=value, bound=bound, x=x,
                           extra={"proof": proof})

    def proven(v, b):
        return (lat is not None and lat.proves(v, b)) or v - b <= max(TIER_GAP, TIER_GAP * abs(v))

    v0 = None if start is None or np.isnan(start).any() else float(c @ start)
    if v0 is not None and v0 <= 1e-9:
        return done(start, 0.0, 0.0, "zero")  # shortfalls are never negative
    if v0 is not None:  # LP first: its bound may already prove the start optimal
        lp = mm.replace(integer=np.zeros_like(mm.integer), warm_start=None)
        r = solve(lp, backend, SolveOptions(**{**o.as_dict(), "mip_gap": None, "abs_gap": None}))
        if r.status == Termination.OPTIMAL and r.objective is not None and r.x is not None:
            b = float(r.objective)
            if proven(v0, b):
                return done(start, v0, b, "lp")
            start = best_start(mm, em.pm, c, start, r.x, backend, o)
            v0 = float(c @ start)
            if proven(v0, b):
                return done(start, v0, b, "lp")
            if ranged and start is not None:
                t0 = time.monotonic()
                start = agreement_search(mm, em.pm, c, start, r.x, backend,
                                         SolveOptions(**{**o.as_dict(), "mip_gap": TIER_GAP, "abs_gap": TIER_GAP}))
                v0 = float(c @ start)
                if proven(v0, b):
                    return done(start, v0, b, "lp")
                left = max(1.0, (o.time_limit or 1.0) - (time.monotonic() - t0))
                o = SolveOptions(**{**o.as_dict(), "time_limit": left})
            mm = mm.replace(warm_start=start)
    gap = TIER_GAP if lat is None else max(TIER_GAP, 0.999 * lat.step)
    res = _solve_or_raise(mm, backend, SolveOptions(**{**o.as_dict(), "mip_gap": TIER_GAP, "abs_gap": gap}),
                          f"tier {tier}")
    if lat is not None and res.status == Termination.OPTIMAL and res.objective is not None:
        if res.bound is not None and not lat.proves(float(res.objective), float(res.bound)):
            # the one case a step's gap does not prove: 0 may lie between bound and plan
            tight = mm.replace(warm_start=res.x)
            res = _solve_or_raise(tight, backend, SolveOptions(**{**o.as_dict(), "mip_gap": TIER_GAP,
                                                                  "abs_gap": TIER_GAP}), f"tier {tier}")
        else:
            res.extra["proof"] = "lattice"
    if lat is not None and res.limit and res.bound is not None and math.isfinite(res.bound):
        res.bound = lat.ceil(float(res.bound))  # no plan lies below the next whole step
    return res


def _lexicographic(em: ElasticModel, backend: str, opts: SolveOptions, clock: _Clock, exact_defaults: bool = False):
    """Minimise each tier's shortfall in turn, then cost; returns (x, tier values, bounds).
    The `RANGE_TIERS` get at most `RANGE_SECONDS` unless `exact_defaults`.

    Each tier's optimum is kept by a cap row on its weighted sum (the previous solution, given
    as a warm start, meets it).
    """
    m = em.model
    ub = m.ub.copy()
    caps: list[tuple[np.ndarray, float]] = []
    values: dict[str, Any] = {}  # tier -> weighted shortfall; "limits" -> the limits hit
    x: np.ndarray | None = None
    proofs: dict[str, str] = {}  # tier -> how its optimum was shown (zero, lp, lattice, mip)
    tiers = [t for t in TIERS if em.tier_cost(t).any()]
    for i, tier in enumerate(tiers):
        c = em.tier_cost(tier)
        mm = with_cost(m, c, ub=ub, extra_rows=caps)
        start = _polish(em, mm, x, backend, opts)
        mm = mm.replace(warm_start=start)
        o = clock.options(opts, len(tiers) - i + 1)
        if tier in RANGE_TIERS and not exact_defaults:
            o = SolveOptions(**{**o.as_dict(), "time_limit": min(o.time_limit or RANGE_SECONDS, RANGE_SECONDS)})
            values.setdefault("ranged", []).append(tier)
        res = _tier_solve(em, mm, c, start, backend, o, tier, ranged=tier in values.get("ranged", ()))
        if not res.status.has_solution:
            raise NoSolutionError(f"the elastic model found no plan ({res.status.value}, tier {tier})",
                                  fix="raise the solver time limit (solver.time_limit)")
        assert res.objective is not None and res.x is not None  # has_solution
        proofs[tier] = res.extra.get("proof", "mip")
        v = max(0.0, float(res.objective))
        values[tier] = v
        if res.limit:
            values.setdefault("limits", []).append(f"{tier}: {res.limit}")
            if res.bound is not None and math.isfinite(res.bound):
                values.setdefault("bounds", {})[tier] = max(0.0, float(res.bound))
        x = res.x.copy()
        # one cap per rule, not per tier: shortfalls may not trade against each other later,
        # which would let the LP relaxation fake a budget's slack into another's (weak bounds)
        for g in em.groups:
            if g.tier != tier:
                continue
            cg = np.zeros(m.n_vars)
            cg[g.cols] = c[g.cols]
            vg = float(cg @ x)
            if vg <= 1e-6:
                ub[g.cols] = 0.0
                x[g.cols] = 0.0  # keeps the warm start feasible for the next solve
            else:
                caps.append((cg, vg * (1 + 1e-6) + 1e-6))
    mm = with_cost(m, m.c, ub=ub, extra_rows=caps)
    mm = mm.replace(warm_start=_polish(em, mm, x, backend, opts))
    res = _solve_or_raise(mm, backend, clock.options(opts, 1), "least cost")
    if res.status.has_solution:
        x = res.x
    elif res.limit:
        values.setdefault("limits", []).append(f"least cost: {res.limit}")
    if x is None:
        raise NoSolutionError("the elastic model found no plan", fix="raise solver.time_limit")
    return x, values, proofs


def _price_model(em: ElasticModel, x: np.ndarray, target):
    """The model of `target`'s price: least extra budget (and plot area) meeting it with the
    other shortfalls kept; None when the scenario has no budget to raise."""
    m = em.model
    res_groups = [g for g in em.groups if g.tier in MOVABLE]
    budgets = [g for g in res_groups if g.name in ("capex", "opex")]
    if not budgets:
        return None
    ub = m.ub.copy()
    for g in em.groups:
        if g.tier in MOVABLE:
            ub[g.cols] = INF
        elif g is target:
            ub[g.cols] = 0.0
        else:
            ub[g.cols] = x[g.cols] + TOL * np.maximum(1.0, np.abs(x[g.cols]))
    c = np.zeros(m.n_vars)
    for g in budgets:
        c[g.cols] = WEIGHT * g.unit / g.scale
    for g in res_groups:
        if g.name == "plot_cap":
            c[g.cols] = 1e3 * WEIGHT * g.unit / g.scale  # bigger plots are a last resort
    return with_cost(m, c, ub=ub).replace(warm_start=x)


def _price_read(em: ElasticModel, res) -> dict:
    """A price's solve read as extra capex, opex a year and plot area; `exact` says whether
    the solve proved it the least (to the tier gap), else it is an upper figure: a plan that
    meets the rule with that much more, not shown to be the cheapest."""
    if not res.status.has_solution:
        return {"possible": False, "exact": res.status == Termination.INFEASIBLE}
    assert res.x is not None  # has_solution
    out: dict[str, bool | float] = {"possible": True}
    res_groups = [g for g in em.groups if g.tier in MOVABLE]
    for g in (g for g in res_groups if g.name in ("capex", "opex")):
        amount = float(g.amounts(res.x).sum())
        # below 0.1% of the budget is the solver's rounding, not a price worth reading
        key = "capex" if g.name == "capex" else "opex_per_year"
        out[key] = amount if amount > SAID_SHARE * g.scale else 0.0
        budget = em.pm.budget_capex if g.name == "capex" else em.pm.budget_opex
        out[f"{key}_budget"] = budget + out[key]
    plot = next((g for g in res_groups if g.name == "plot_cap"), None)
    if plot is not None:
        out["plot_m2"] = float(plot.amounts(res.x).sum())
    out["exact"] = res.status == Termination.OPTIMAL and not res.limit
    if not out["exact"] and res.objective and res.bound is not None and math.isfinite(res.bound):
        out["gap"] = round(max(0.0, (res.objective - res.bound) / abs(res.objective)), 4)  # of the weighted price
    return out


def _price_start(em: ElasticModel, mm, x: np.ndarray, backend: str, opts: SolveOptions):
    """A price without its MIP: the diagnosis's sites kept (the rest re-chosen,
    siteplan.analysis.tier_start) give a plan, and the LP bound may show it the least.

    Returns (result, start): result OPTIMAL when proven, FEASIBLE with the LP bound (an
    upper figure and how far it may be from the least) when not, None without a plan.
    """
    from siteplan.analysis.tier_start import complete
    from siteplan.result import SolveResult

    start = complete(mm, em.pm, x, backend, opts)
    if start is None:
        return None, x
    v = float(mm.c @ start)
    lp = solve(mm.replace(integer=np.zeros_like(mm.integer), warm_start=None), backend,
               SolveOptions(**{**opts.as_dict(), "mip_gap": None, "abs_gap": None}))
    bound = float(lp.objective) if lp.status == Termination.OPTIMAL and lp.objective is not None else None
    if bound is not None and v - bound <= max(TIER_GAP, TIER_GAP * abs(v)):
        return SolveResult(backend=backend, status=Termination.OPTIMAL, objective=v, bound=bound, x=start,
                           extra={"proof": "lp"}), start
    return SolveResult(backend=backend, status=Termination.FEASIBLE, limit="time", objective=v, bound=bound,
                       x=start), start


def _settled(em: ElasticModel, res) -> bool:
    """A price start whose figures no cheaper plan could change as `_price_text` says them:
    every amount a plan costing at most the start's could have (its cost over the group's
    cost per unit) is below the size at which a price is said (`SAID_SHARE` of a budget,
    `SAID_PLOT_M2`), so the text is "it can be met within the budgets" whatever the MIP finds.

    Why: on Xinhe the minimum-area price start needs 0.17M more opex a year (under 0.1% of
    the 250M budget) and its MIP ran to its limit (23-28 s) without changing the sentence.
    """
    if res is None or res.objective is None or not res.status.has_solution:
        return False
    for g in (g for g in em.groups if g.tier in MOVABLE):
        per_unit = WEIGHT / g.scale * (1e3 if g.name == "plot_cap" else 1.0)  # cost of one CNY or m²
        said = SAID_SHARE * g.scale if g.name in ("capex", "opex") else SAID_PLOT_M2 if g.name == "plot_cap" else None
        if said is not None and max(0.0, float(res.objective)) / per_unit >= said:
            return False
    return True


def _close(res) -> bool:
    """A price start proven, or within `PRICE_GAP` of its LP bound."""
    if res is None or res.objective is None:
        return False
    if res.status == Termination.OPTIMAL:
        return True
    return res.bound is not None and res.objective - res.bound <= PRICE_GAP * abs(res.objective)


def _prices(em: ElasticModel, x: np.ndarray, targets: list, backend: str, opts: SolveOptions,
            clock: _Clock, workers: int | None, exact_defaults: bool = False) -> list[dict | None]:
    """Each target's price: proven from the LP bound when the diagnosis's sites already meet
    it at least cost (`_price_start`); an upper figure with its gap when within `PRICE_GAP`,
    or when no cheaper plan could change its sentence (`_settled`); else the MIP from that
    start while the time budget lasts (at most `RANGE_SECONDS` for a target of the
    `RANGE_TIERS` unless `exact_defaults`; the MIPs, independent, side by side:
    siteplan.analysis.parallel), else the start as an upper figure. Results in the order of
    `targets`."""
    from siteplan.analysis.parallel import MIN_PARALLEL_VARS, default_workers, run_ordered

    models = [_price_model(em, x, g) for g in targets]
    results: list = [None] * len(targets)
    jobs = []
    for i, mm in enumerate(models):
        if mm is None:
            continue
        results[i], start = _price_start(em, mm, x, backend, opts)
        if not _close(results[i]) and not _settled(em, results[i]) and not clock.expired():
            models[i] = mm.replace(warm_start=start)
            jobs.append(i)
    n = workers if workers is not None else default_workers(len(jobs), em.model.n_vars >= MIN_PARALLEL_VARS)
    rounds = max(1, -(-len(jobs) // max(n, 1)))  # solves one process runs one after another
    o = clock.options(opts, rounds + 1, mip_gap=TIER_GAP, abs_gap=TIER_GAP)
    short = SolveOptions(**{**o.as_dict(), "time_limit": min(o.time_limit or RANGE_SECONDS, RANGE_SECONDS)})
    ranged = [not exact_defaults and targets[i].tier in RANGE_TIERS for i in range(len(targets))]
    args = [(models[i], backend, short if ranged[i] else o) for i in jobs]
    for i, res in zip(jobs, run_ordered(solve, args, n)):
        results[i] = res
    return [None if models[i] is None or results[i] is None else _price_read(em, results[i])
            for i in range(len(targets))]


# ---------------------------------------------------------------------------- decoding

def _diagnostic_plan(scn: Scenario, em: ElasticModel, x: np.ndarray) -> Plan:
    """The elastic solution as a Plan with its own areas: short of a rule, or beyond a plot
    cap, exactly as the elastic model chose them (decode would repair them)."""
    from siteplan.model.decode import decode

    pm = em.pm
    plan = decode(pm, x)
    inst = pm.inst
    for s, sid in enumerate(inst.site_ids):
        if sid in plan.areas:
            plan.areas[sid] = max(float(x[pm.a[s]]), float(inst.existing_area[s]))
    return plan


def _nearest(scn: Scenario, inst: Instance, committees: np.ndarray) -> list[tuple[str, float]]:
    """(nearest usable site id, metres) for each committee index, or ("", inf)."""
    usable = np.flatnonzero(~inst.excluded)
    if not len(usable) or not len(committees):
        return [("", math.inf)] * len(committees)
    from siteplan import distance

    spec = scn.spec.distance_spec
    idx, dist = distance.get(spec.method).nearest(scn.tables, np.asarray(committees), usable, spec.circuity)
    return [(str(inst.site_ids[usable][i]), float(d)) if i >= 0 else ("", math.inf)
            for i, d in zip(idx, dist)]


class _Words:
    """Plain-language sentences for each shortfall group."""

    def __init__(self, scn, inst, em, x, plan, ev):
        self.scn, self.inst, self.em, self.x, self.plan, self.ev = scn, inst, em, x, plan, ev
        self.pm = em.pm

    def budget_context(self) -> str:
        """"with the opex budget of 30.0M CNY a year, " when a budget row is tight."""
        pm, x, parts = self.pm, self.x, []
        for name, terms, budget, const, per in (
                ("capex", pm.capex_terms, pm.budget_capex, pm.capex_const, ""),
                ("opex", pm.opex_terms, pm.budget_opex, 0.0, " a year")):
            if budget is None:
                continue
            used = float(terms[1] @ x[terms[0]]) + const
            g = self.em.group(name)
            raised = float(g.amounts(x).sum()) if g is not None else 0.0
            if raised > 1e-3 * max(budget, 1.0):  # already relaxed above: say the raised figure
                parts.append(f"the {name} budget raised to {mcny(budget + raised)}{per}")
                self.facts.setdefault("limited_by", []).append([name, budget + raised])
            elif budget - used < max(1e-3 * budget, self.inst.worker_cost if name == "opex" else 1.0):
                # (for opex: too little left to pay one more worker)
                parts.append(f"the {name} budget of {mcny(budget)}{per}")
                self.facts.setdefault("limited_by", []).append([name, budget])
        return f"with {_and(parts)}, " if parts else ""

    def floor(self, sid: str, default: float) -> float:
        """All floor the diagnostic plan builds on a site (its area and any rule floor)."""
        from siteplan.rules import registered

        if sid not in self.plan.areas:
            return float(default)
        total = float(self.plan.areas[sid])
        for r in registered():
            for name in r.floor_fields:
                total += float(self.plan.extra.get(name, {}).get(sid, 0.0))
        return total

    def say(self, g, vals) -> tuple[str, float, str, list[str]]:
        """(text, amount, unit, ids) from the rule that owns the group; the numbers used are
        left in `self.facts`."""
        from siteplan.rules import owner

        self.facts: dict[str, Any] = {}
        hit = np.flatnonzero(vals > TOL * np.maximum(1.0, np.abs(vals)) + 1e-6)
        rule = owner(g.rule)
        if rule is None:
            total = float(vals.sum())
            return f"{g.name}: {total:,.2f} short", total, "", []
        return rule.describe(self, g, vals, hit)


def _price_text(price: dict | None) -> str:
    if price is None:
        return ""
    if not price.get("possible"):
        if not price.get("exact", True):
            return "; no price found within the time limit"
        return "; no budget increase alone would meet it"
    parts = []
    if price.get("capex", 0) > 1:
        parts.append(f"{mcny(price['capex'])} more capex (a capex budget of {mcny(price['capex_budget'])})")
    if price.get("opex_per_year", 0) > 1:
        parts.append(f"{mcny(price['opex_per_year'])} a year more opex (an opex budget of "
                     f"{mcny(price['opex_per_year_budget'])} a year)")
    if price.get("plot_m2", 0) >= SAID_PLOT_M2:
        parts.append(f"{price['plot_m2']:,.0f} m² more plot capacity")
    if not parts:
        return "; it can be met within the budgets"
    upper = ""
    if not price.get("exact", True):
        within = f"; the least is within {100 * price['gap']:.1f}% of it" if price.get("gap") is not None else ""
        upper = f" (at most: the solver stopped before proving it the least{within})"
    return "; " + _and(parts) + " would meet it" + upper


# ---------------------------------------------------------------------------- public API

def explain_infeasible(scenario: Scenario | str | Path, *, backend: str | None = None,
                       options: SolveOptions | None = None, overrides: dict | None = None,
                       price: bool = True, time_budget: float | None = None,
                       workers: int | None = None, exact_defaults: bool = False) -> Diagnosis:
    """Solve the elastic model and describe the smallest set of shortfalls.

    All solves share `time_budget` seconds (default: three times the scenario's time limit);
    prices are skipped once it is spent, and a hit limit is said in the text. The prices are
    independent solves, run in `workers` processes (default: 2 on a large model, else 1).
    siteplan's own default rules are solved for `RANGE_SECONDS` and said as a range when
    that does not close them, unless `exact_defaults`.
    """
    from siteplan.checks import prove_infeasible
    from siteplan.pipeline import solver_settings

    t0 = time.perf_counter()
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
    if scn.timeline is not None:  # several years: the first failing year, explained (explain_timeline)
        from siteplan.analysis.explain_timeline import explain_timeline

        return explain_timeline(scn, backend=backend, options=options, price=price, time_budget=time_budget,
                                workers=workers, exact_defaults=exact_defaults)
    inst = build_instance(scn)
    proofs = prove_infeasible(scn, inst)
    spec = scn.spec
    model, pm = build_planning_model(inst, spec.objective, scn.standards.area_scope,
                                     spec.budget.capex, spec.budget.opex_per_year, scenario=scn)
    kinds = {r["id"]: r.get("kind", "default") for r in scn.standards.rules}
    em = build_elastic(model, pm, kinds)
    name, opts = solver_settings(scn, backend, options)
    if time_budget is None and opts.time_limit:
        time_budget = 3 * opts.time_limit
    clock = _Clock(time_budget, opts.time_limit)
    x, values, tier_proofs = _lexicographic(em, name, opts, clock, exact_defaults)
    plan = _diagnostic_plan(scn, em, x)
    ev = evaluate(scn, plan)
    words = _Words(scn, inst, em, x, plan, ev)
    shortfalls: list[Shortfall] = []
    to_price: list[tuple[Shortfall, Any]] = []
    for tier in TIERS:
        for g in em.groups:
            if g.tier != tier:
                continue
            vals = g.amounts(x)
            if float(vals.sum()) <= max(1e-3, 1e-5 * g.scale):
                continue  # solver noise, not a shortfall
            if g.name == "band_high" and float(vals.sum()) < 0.5:
                continue
            text, amount, unit, ids = words.say(g, vals)
            facts = dict(words.facts)
            meta = next((r for r in scn.standards.rules if r["id"] == g.rule), {})
            if not meta and g.rule == "facility_types":  # a scenario's rule, in no preset
                from siteplan.analysis.explain_types import rule_title

                meta = {"title": rule_title(g.name) or g.rule}
            sf = Shortfall(group=g.name, rule=g.rule, title=meta.get("title", g.rule),
                           kind=meta.get("kind", g.tier), tier=g.tier, amount=round(amount, 4),
                           unit=unit, text=text, ids=ids, facts=facts)
            lonely_only = (g.name == "uncovered" and all(inst.pairs_per_committee()[g.keys[vals > 0.5]] == 0)) \
                or bool(facts.get("unreachable"))  # no budget brings a plot within reach
            if price and g.tier not in MOVABLE and not lonely_only:
                to_price.append((sf, g))
            shortfalls.append(sf)
    if scn.types is not None:  # what the money is short of, per type and street
        from siteplan.analysis.explain_types import name_capex_shortfall

        for sf in shortfalls:
            name_capex_shortfall(sf, scn, ev)
    if to_price:  # once the time budget is spent, prices are the diagnosis's sites' (upper figures)
        if clock.expired():
            values.setdefault("limits", []).extend(f"price of {g.name}: time budget spent" for _, g in to_price)
        for (sf, _), p in zip(to_price, _prices(em, x, [g for _, g in to_price], name, opts, clock, workers,
                                                         exact_defaults)):
            sf.price = p
            sf.text += _price_text(p)
    for sf in shortfalls:
        if sf.tier not in MOVABLE:
            sf.text += f" [{sf.rule}, {KIND_LABEL.get(sf.kind, sf.kind)}]"
    feasible = not shortfalls
    solver = {"backend": name, "status": "elastic",
              "tiers": {k: (round(v, 9) if isinstance(v, float) else v) for k, v in values.items()},
              "seconds": round(time.perf_counter() - t0, 3), "tier_proofs": tier_proofs,
              "model": {"variables": em.model.n_vars, "rows": em.model.n_rows}}
    return Diagnosis(scenario=scn, feasible=feasible, shortfalls=shortfalls, proofs=proofs,
                     plan=plan, evaluation=ev, tier_values=values, solver=solver)


def write_diagnosis(diag: Diagnosis, out_dir: str | Path) -> Path:
    """plan.json with status "infeasible" and the diagnosis, plus the elastic plan in
    diagnostic_plan.json, marked as not compliant; every file written atomically."""
    from siteplan import __version__
    from siteplan.fileio import write_json_atomic, write_text_atomic
    from siteplan.report.outputs import PLAN_FILE, plan_document, write_inputs

    out = Path(out_dir)
    scn = diag.scenario
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from siteplan.errors import InputError

        raise InputError(f"cannot create output folder: {exc.strerror}", where=str(out))
    write_inputs(scn, out)
    doc = plan_document(scn, diag.plan, diag.evaluation, dict(diag.solver), "diagnostic_not_compliant")
    doc["compliant"] = False
    doc["note"] = ("NOT A COMPLIANT PLAN: the least-bad plan of the elastic model, which lets the rules "
                   "listed under diagnosis fall short. Use it to see what must give, never to build.")
    doc["diagnosis"] = diag.as_dict()
    write_json_atomic(out / DIAGNOSTIC_FILE, doc)
    write_text_atomic(out / "diagnosis.txt", diag.text() + "\n")
    head = {
        "siteplan_version": __version__,
        "scenario": doc["scenario"],
        "status": "infeasible",
        "solver": dict(diag.solver, status="infeasible"),
        "facilities": [], "committees": [], "totals": {}, "compliance": [],
        "check": {"ok": False, "violations": len(diag.shortfalls)},
        "diagnosis": diag.as_dict(),
        "diagnostic_plan": DIAGNOSTIC_FILE,
    }
    write_json_atomic(out / PLAN_FILE, head)
    mark_folder(out)
    return out


def binding_report(outcome_or_scenario, **kw):
    """See `siteplan.analysis.binding.binding_report` (kept here as the documented entry point)."""
    from siteplan.analysis.binding import binding_report as run

    return run(outcome_or_scenario, **kw)


def diagnose_into(scenario: Scenario, out_dir: str | Path, *, backend: str | None = None,
                  options: SolveOptions | None = None) -> Diagnosis | None:
    """For `solve` on InfeasibleError: diagnose and write the folder; None when the elastic
    model finds nothing to relax (then the original error stands on its own)."""
    diag = explain_infeasible(scenario, backend=backend, options=options)
    if diag.feasible:
        return None
    write_diagnosis(diag, out_dir)
    return diag
