"""What binds in a solved plan, and what a little more of each standard or budget costs.

Measured by re-solving with one parameter nudged (a scenario override), not read from LP
duals: the model is a MIP, so duals of its relaxation would price fractional sites and
mislead.

Like is compared with like. The base is the plan itself (an `Outcome`, or a solve output
folder's plan.json); only a bare scenario is solved first. Every nudge is solved with the
same solver settings as the plan (the scenario's gap target and time limit) and warm-started
from it. A solve stopped within its gap may be off its optimum by up to that gap, so a
change no larger than the larger gap of the two solves (in CNY: objective - bound) is
reported as "no measurable effect", never as a saving or a cost.

"tight": for a budget, the plan uses (nearly) all of it (>= 99.9%) AND relaxing it has a
measurable effect; for a standard, the plan sits on its limit or a step tighter has a
measurable cost. Walking reach is structural: the model holds it by construction (only
pairs within reach exist), so it is never called tight; its row still says what 100 m more
would save.

The default nudges are the rules' own (`Rule.nudges`, siteplan/rules): +1 worker per 10,000
urban residents, +1 m² per 100 households, +1M CNY capex budget, +1M CNY opex budget a year,
+100 m walking reach, and whatever a newer rule says "a little more" means for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from siteplan.backends import SolveOptions
from siteplan.errors import InfeasibleError, NoSolutionError, SiteplanError
from siteplan.kinds import MONEY_PHASES, Objective, Phase
from siteplan.plan import Evaluation, Plan, evaluate
from siteplan.result import Termination
from siteplan.scenario.load import Scenario, apply_overrides

MONEY_TOL = 1.0  # CNY: below this a change is rounding, whatever the gap


@dataclass
class Nudge:
    key: str  # id used in reports and tests
    label: str
    override: dict
    base: object
    nudged: object
    step: float
    unit: str
    relaxes: bool = False  # the nudge widens the feasible set (a budget, the reach)
    structural: bool = False  # the rule holds by construction of the model: never "tight"


@dataclass
class BindingRow:
    key: str
    label: str
    base: object
    nudged: object
    step: float
    unit: str
    tight: bool | None
    status: str  # solved | infeasible | no_solution_found (Termination values) | error: ...
    delta_total: float | None = None  # change of capex + horizon x opex (CNY)
    delta_capex: float | None = None
    delta_opex: float | None = None  # per year
    delta_objective: float | None = None
    delta_covered: int | None = None  # residents covered (what max_coverage trades)
    structural: bool = False
    measurable: bool | None = None  # the change exceeds what the solvers' gaps allow
    tolerance: float | None = None  # CNY: the larger optimality gap of the base and this solve
    used_share: float | None = None  # budgets: the share of the budget the plan uses
    text: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class BindingReport:
    scenario: str
    objective: Objective
    base_totals: dict
    rows: list[BindingRow] = field(default_factory=list)
    base_source: str = "plan"  # plan: the given plan; solve: solved here (no plan was given)
    base_gap: float | None = None  # CNY: how far the base may be from its optimum

    def text(self) -> str:
        t = self.base_totals
        base = "the plan" if self.base_source == "plan" else "a fresh solve"
        gap = (f"; changes within the solvers' gap (base {self.base_gap / 1e6:,.2f}M) are no measurable effect"
               if self.base_gap is not None and self.base_gap > MONEY_TOL else "")
        head = (f"{self.scenario}: what binds (base: {base}, total {t['total_cost'] / 1e6:,.2f}M CNY over "
                f"{t['horizon_years']:g} years; each row re-solved with one value nudged, same solver "
                f"settings, warm-started from the base{gap})")
        return "\n".join([head] + [f"  - {r.text}" for r in self.rows])

    def as_dict(self) -> dict:
        return {"scenario": self.scenario, "objective": self.objective, "base_totals": self.base_totals,
                "base_source": self.base_source, "base_gap": self.base_gap,
                "rows": [r.as_dict() for r in self.rows]}


def rescenario(scn: Scenario, overrides: dict) -> Scenario:
    """`scn` with dotted overrides applied, reusing its already validated tables (its facility
    types and timeline rebuilt from them, as loading does)."""
    from siteplan.scenario.load import scenario_from_raw

    where = str(scn.path) if scn.path else scn.name
    raw = apply_overrides(scn.raw, overrides, where)
    return scenario_from_raw(raw, scn.path, tables=scn.tables, yaml_files=scn.yaml_files)


def default_nudges(scn: Scenario) -> list[Nudge]:
    """Each registered rule's nudges (siteplan/rules: `Rule.nudges`), in registry order."""
    from siteplan.rules import registered

    return [n for r in registered() for n in r.nudges(scn)]


def _owner(key: str):
    from siteplan.rules import registered

    return next((r for r in registered() if key in r.nudge_labels), None)


def _budget_used(key: str, scn: Scenario, totals: dict) -> float | None:
    """The share of a budget the plan uses (None: not a budget, or no budget set)."""
    rule = _owner(key)
    used = getattr(rule, "used_share", None)
    return used(key, scn, totals) if used is not None else None


def _at_limit(key: str, scn: Scenario, ev) -> bool | None:
    """Whether the base plan sits on the rule's or budget's limit (None: cannot tell)."""
    rule = _owner(key)
    return rule.at_limit(key, scn, ev) if rule is not None else None


def _phase_gap(phase: dict, options: dict) -> float:
    """How far a solve phase's answer may be from its optimum, in its objective's units."""
    obj, bound = phase.get("objective"), phase.get("bound")
    if obj is not None and bound is not None and math.isfinite(obj) and math.isfinite(bound):
        return abs(obj - bound)
    if phase.get("status") == "optimal":  # no bound reported: the target it stopped within
        if options.get("abs_gap") is not None:
            return float(options["abs_gap"])
        return float(options.get("mip_gap") or 0.0) * abs(obj or 0.0)
    return math.inf


def solve_gaps(phases: list[dict], options: dict) -> tuple[float | None, float | None]:
    """(CNY, residents): the optimality gaps of a solve's money and coverage phases."""
    money = covered = None
    for p in phases:
        if p.get("phase") in MONEY_PHASES:
            money = _phase_gap(p, options)
        elif p.get("phase") == Phase.MAX_COVERAGE:
            covered = _phase_gap(p, options)
    return money, covered


@dataclass
class _Base:
    scn: Scenario
    plan: Plan
    evaluation: Evaluation
    objective: float | None
    money_gap: float | None
    covered_gap: float | None
    backend: str | None
    source: str  # plan | solve


def _outcome_base(out, source: str) -> _Base:
    phases = out.phases or [dict(out.result.summary(), phase=out.model.meta.get("objective"))]
    money, covered = solve_gaps(phases, out.options.as_dict())
    return _Base(out.scenario, out.plan, out.evaluation, out.model.user_objective(out.result.objective),
                 money, covered, out.backend, source)


def _folder_base(path: Path) -> _Base | None:
    """The plan of a solve output folder, or None when the folder holds no valid plan."""
    from siteplan.report.outputs import read_plan_dir

    scn, plan, doc = read_plan_dir(path)
    solver = doc.get("solver") or {}
    if doc.get("status") not in ("optimal", "feasible"):
        return None
    ev = evaluate(scn, plan)
    if not ev.ok:
        return None
    money, covered = solve_gaps(solver.get("phases") or [], solver.get("options") or {})
    return _Base(scn, plan, ev, solver.get("objective"), money, covered, solver.get("backend"), "plan")


def _describe(r: BindingRow, horizon: float, objective: Objective = Objective.MIN_COST,
              relaxes: bool = False) -> str:
    rule = _owner(r.key)
    label = rule.nudge_labels[r.key][1] if rule is not None else f"{r.label} +{r.step:g}"
    if r.structural:
        tight = "structural (the model holds it by construction, so it is never tight)"
    elif r.used_share is not None:
        word = {True: "tight", False: "not tight", None: ""}[r.tight]
        tight = f"{word} (the plan uses {100 * r.used_share:.1f}% of it)".lstrip()
    else:
        tight = {True: "tight", False: "slack", None: ""}[r.tight]
    tail = f"; {tight}" if tight else ""
    if r.status != "solved":
        return f"{label}: no plan ({r.status}){tail}"
    d = r.delta_total or 0.0
    if objective == Objective.MAX_COVERAGE and r.measurable and r.delta_covered:
        more = "more" if r.delta_covered > 0 else "fewer"
        return f"{label}: covers {abs(r.delta_covered):,} {more} residents (total cost {d / 1e6:+,.2f}M CNY){tail}"
    if not r.measurable:
        tol = max(r.tolerance or 0.0, MONEY_TOL)
        if abs(d) > tol:  # the wrong way: a relaxation cannot cost more, nor a tightening save
            why = f"{d / 1e6:+,.2f}M CNY, the wrong way for this change: a re-solve stopped short of its optimum"
        elif tol > MONEY_TOL:
            why = f"{d / 1e6:+,.2f}M CNY, within the solvers' gap of {tol / 1e6:,.2f}M"
        else:
            why = "the plan's cost does not change"
        return f"{label}: no measurable effect ({why}){tail}"
    if relaxes:
        what = f"saves {-d / 1e6:,.2f}M CNY over {horizon:g} years"
    else:
        assert r.delta_capex is not None and r.delta_opex is not None  # a solved row has its deltas
        what = (f"costs {d / 1e6:,.2f}M CNY more over {horizon:g} years "
                f"(capex {r.delta_capex / 1e6:+,.2f}M, opex {r.delta_opex / 1e6:+,.2f}M a year)")
    return f"{label}: {what}{tail}"


def binding_report(outcome_or_scenario, *, backend: str | None = None, options: SolveOptions | None = None,
                   nudges: list[Nudge] | None = None, workers: int | None = None) -> BindingReport:
    """The base plan and each nudge re-solved like it; see the module docstring.

    Accepts an `Outcome` (its plan is the base), a solve output folder (its plan.json is the
    base), a `Scenario` or a scenario path (solved first, with the same settings as the nudges).
    `options` replace the scenario's solver settings for every solve made here. The nudges
    are independent solves, run in `workers` processes (default: 2 for a large scenario, else
    1; siteplan.analysis.parallel); the rows keep the nudges' order either way.
    """
    from siteplan.pipeline import Outcome, solve_scenario, solver_settings
    from siteplan.scenario.load import load_scenario

    x = outcome_or_scenario
    base: _Base | None = None
    if isinstance(x, Outcome):
        base = _outcome_base(x, "plan")
    elif isinstance(x, Scenario):
        scn = x
    else:
        path = Path(x)
        if path.is_dir() and (path / "plan.json").exists():
            base = _folder_base(path)
            if base is None:
                from siteplan.report.outputs import read_plan_dir

                scn = read_plan_dir(path)[0]
        else:
            scn = load_scenario(path)
    if base is not None:
        scn = base.scn
        backend = backend or base.backend
    name, opts = solver_settings(scn, backend, options)
    if base is None:
        base = _outcome_base(solve_scenario(scn, backend=name, options=opts), "solve")
    bt = base.evaluation.totals
    horizon = bt.get("horizon_years") or scn.spec.costs.horizon_years  # a timeline: its years
    report = BindingReport(scenario=scn.name, objective=scn.spec.objective, base_totals=dict(bt),
                           base_source=base.source, base_gap=base.money_gap)
    todo = nudges if nudges is not None else default_nudges(scn)
    from siteplan.analysis.parallel import MIN_PARALLEL_COMMITTEES, default_workers, run_ordered

    large = len(base.plan.workers) >= MIN_PARALLEL_COMMITTEES
    n_workers = workers if workers is not None else default_workers(len(todo), large)
    solved = run_ordered(_solve_nudge, [(scn, n.override, name, opts, base.plan) for n in todo], n_workers)
    for n, got in zip(todo, solved):
        at_limit = None if n.structural else _at_limit(n.key, scn, base.evaluation)
        row = BindingRow(n.key, n.label, n.base, n.nudged, n.step, n.unit, at_limit, "solved",
                         structural=n.structural, used_share=_budget_used(n.key, scn, bt))
        if isinstance(got, str):
            row.status = got
        else:
            t = got["totals"]
            row.delta_total = t["total_cost"] - bt["total_cost"]
            row.delta_capex = t["capex"] - bt["capex"]
            row.delta_opex = t["opex_per_year"] - bt["opex_per_year"]
            row.delta_covered = int(t["residents_covered"] - bt["residents_covered"])
            o1 = got["objective"]
            row.delta_objective = None if o1 is None or base.objective is None else o1 - base.objective
            _measure(row, n, base, got)
            if n.structural:
                row.tight = None
            elif row.used_share is not None:  # a budget binds only on its limit AND with an effect
                row.tight = bool(at_limit) and row.measurable
            else:  # a standard binds on its limit, or when a step tighter measurably costs more
                row.tight = bool(at_limit) or row.measurable
        row.text = _describe(row, horizon, scn.spec.objective, n.relaxes)
        report.rows.append(row)
    return report


def _solve_nudge(scn: Scenario, override: dict, backend: str, opts: SolveOptions, plan: Plan) -> dict | str:
    """One nudge solved like the base (in a worker process when nudges run side by side):
    the totals, objective and gaps the row needs, or the status when there is no plan."""
    from siteplan.pipeline import solve_scenario

    try:
        out = solve_scenario(rescenario(scn, override), backend=backend, options=opts, warm_start=plan)
    except InfeasibleError:
        return "infeasible"
    except NoSolutionError:
        return Termination.NO_SOLUTION_FOUND.value
    except SiteplanError as exc:
        return f"error: {exc.message}"
    money, covered = solve_gaps(out.phases, out.options.as_dict())
    return {"totals": dict(out.evaluation.totals), "objective": out.model.user_objective(out.result.objective),
            "money_gap": money, "covered_gap": covered}


def _measure(row: BindingRow, n: Nudge, base: _Base, got: dict) -> None:
    """Whether the nudge's change exceeds the solvers' gaps, in the direction it can go."""
    money, covered = got["money_gap"], got["covered_gap"]
    gaps = [g for g in (base.money_gap, money) if g is not None]
    row.tolerance = max(gaps) if gaps else None
    tol = max(row.tolerance or 0.0, MONEY_TOL)
    cgaps = [g for g in (base.covered_gap, covered) if g is not None]
    ctol = max(max(cgaps) if cgaps else 0.0, 0.5)
    sign = -1.0 if n.relaxes else 1.0  # a relaxation can only save; a tightening only cost
    assert row.delta_total is not None and row.delta_covered is not None  # set from the solve first
    row.measurable = bool(sign * row.delta_total > tol or sign * -row.delta_covered > ctol)
