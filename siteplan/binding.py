"""What binds in a solved plan, and what a little more of each standard or budget costs.

Measured by re-solving with one parameter nudged (a scenario override), not read from LP
duals: the model is a MIP, so duals of its relaxation would price fractional sites and
mislead. Every solve here (the base included) uses the same tight gap, so differences
are the parameter's effect, not solver noise.

The default nudges: +1 worker per 10,000 urban residents, +1 m² per 100 households,
+1M CNY capex budget, +1M CNY opex budget a year, +100 m walking reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from siteplan.backends import SolveOptions
from siteplan.errors import InfeasibleError, NoSolutionError, SiteplanError
from siteplan.scenario.load import Scenario, apply_overrides, validation_error

TIGHT_GAP = 1e-6


@dataclass
class Nudge:
    key: str  # id used in reports and tests
    label: str
    override: dict
    base: object
    nudged: object
    step: float
    unit: str


@dataclass
class BindingRow:
    key: str
    label: str
    base: object
    nudged: object
    step: float
    unit: str
    tight: bool | None
    status: str  # solved | infeasible | no_solution
    delta_total: float | None = None  # change of capex + horizon x opex (CNY)
    delta_capex: float | None = None
    delta_opex: float | None = None  # per year
    delta_objective: float | None = None
    delta_covered: int | None = None  # residents covered (what max_coverage trades)
    text: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class BindingReport:
    scenario: str
    objective: str
    base_totals: dict
    rows: list[BindingRow] = field(default_factory=list)

    def text(self) -> str:
        t = self.base_totals
        head = (f"{self.scenario}: what binds (each row re-solved with one value nudged; base total "
                f"{t['total_cost'] / 1e6:,.2f}M CNY over {t['horizon_years']:g} years)")
        return "\n".join([head] + [f"  - {r.text}" for r in self.rows])

    def as_dict(self) -> dict:
        return {"scenario": self.scenario, "objective": self.objective, "base_totals": self.base_totals,
                "rows": [r.as_dict() for r in self.rows]}


def rescenario(scn: Scenario, overrides: dict) -> Scenario:
    """`scn` with dotted overrides applied, reusing its already validated tables."""
    from pydantic import ValidationError

    from siteplan.scenario.presets import load_preset, resolve_standards
    from siteplan.scenario.schema import ScenarioSpec

    where = str(scn.path) if scn.path else scn.name
    raw = apply_overrides(scn.raw, overrides, where)
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, where) from None
    standards = resolve_standards(load_preset(spec.preset), spec.standards)
    return Scenario(path=scn.path, spec=spec, standards=standards, tables=scn.tables, raw=raw)


def default_nudges(scn: Scenario) -> list[Nudge]:
    st, spec = scn.standards, scn.spec
    out = []
    urban = (scn.tables.committees["kind"] == "urban").any()
    if urban and st.workers_per_10k_urban > 0:
        v = st.workers_per_10k_urban
        out.append(Nudge("workers_per_10k_urban", "workers per 10,000 urban residents",
                         {"standards.workers_per_10k_urban": v + 1}, v, v + 1, 1, "worker/10k"))
    rate = dict(st.area_rate)
    out.append(Nudge("area_per_100_households", "m² per 100 households",
                     {"standards.area_per_100_households": {k: x + 1 for k, x in rate.items()}},
                     rate, {k: x + 1 for k, x in rate.items()}, 1, "m²/100 hh"))
    if spec.budget.capex is not None:
        b = spec.budget.capex
        out.append(Nudge("budget.capex", "capex budget", {"budget.capex": b + 1e6}, b, b + 1e6, 1e6, "CNY"))
    if spec.budget.opex_per_year is not None:
        b = spec.budget.opex_per_year
        out.append(Nudge("budget.opex_per_year", "opex budget a year",
                         {"budget.opex_per_year": b + 1e6}, b, b + 1e6, 1e6, "CNY/year"))
    if spec.reach.walk_m is not None:
        r = spec.reach.walk_m
        out.append(Nudge("reach.walk_m", "walking reach", {"reach.walk_m": r + 100}, r, r + 100, 100, "m"))
    return out


def _tight(key: str, scn: Scenario, ev) -> bool | None:
    """Whether the base plan sits on the rule's or budget's limit (None: cannot tell)."""
    t = ev.totals
    if key == "workers_per_10k_urban":
        com = scn.tables.committees
        urban_res = float(com.loc[com["kind"] == "urban", "residents"].sum())
        need = math.ceil(scn.standards.workers_per_10k_urban * urban_res / 1e4 - 1e-9)
        have = sum(c["workers"] for c in ev.committees if c["kind"] == "urban")
        return have <= need
    if key == "area_per_100_households":
        if scn.standards.area_scope == "street":
            rows = [r for r in ev.compliance if r["rule"] == key and r["scope"].startswith("street:")]
            return any(float(r["achieved"]) <= float(r["required"]) * (1 + 1e-4) + 1e-3 for r in rows)
        return any(f["area_m2"] <= f["area_need_m2"] * (1 + 1e-6) + 1e-3 and f["area_need_m2"] > 0
                   for f in ev.facilities)
    if key == "budget.capex":
        return t["capex"] >= scn.spec.budget.capex * (1 - 1e-4) - 1
    if key == "budget.opex_per_year":
        return t["opex_per_year"] >= scn.spec.budget.opex_per_year * (1 - 1e-4) - 1
    return None


def _describe(r: BindingRow, horizon: float, objective: str = "min_cost") -> str:
    label = {"workers_per_10k_urban": "+1 worker per 10,000 urban residents",
             "area_per_100_households": "+1 m² per 100 households",
             "budget.capex": "+1M CNY capex budget", "budget.opex_per_year": "+1M CNY opex budget a year",
             "reach.walk_m": "+100 m walking reach"}.get(r.key, f"{r.label} +{r.step:g}")
    tight = {True: "tight", False: "slack", None: ""}[r.tight]
    if r.status != "solved":
        return f"{label}: no plan ({r.status}){'; ' + tight if tight else ''}"
    d = r.delta_total or 0.0
    if objective == "max_coverage" and r.delta_covered:
        more = "more" if r.delta_covered > 0 else "fewer"
        return (f"{label}: covers {abs(r.delta_covered):,} {more} residents (total cost {d / 1e6:+,.2f}M CNY)"
                f"{'; ' + tight if tight else ''}")
    if r.key.startswith("budget.") or r.key == "reach.walk_m":
        worth = -d
        what = (f"saves {worth / 1e6:,.2f}M CNY over {horizon:g} years" if worth > 1 else
                "buys nothing (the plan does not change in cost)")
    else:
        what = (f"costs {d / 1e6:,.2f}M CNY more over {horizon:g} years "
                f"(capex {r.delta_capex / 1e6:+,.2f}M, opex {r.delta_opex / 1e6:+,.2f}M a year)"
                if abs(d) > 1 else "costs nothing more")
    return f"{label}: {what}{'; ' + tight if tight else ''}"


def binding_report(outcome_or_scenario, *, backend: str | None = None, options: SolveOptions | None = None,
                   nudges: list[Nudge] | None = None) -> BindingReport:
    """Re-solve the base and each nudge with the same tight options; see the module docstring.

    Accepts an `Outcome`, a `Scenario`, a scenario path, or a solve output folder.
    """
    from siteplan.pipeline import Outcome, solve_scenario, solver_settings
    from siteplan.scenario.load import load_scenario

    x = outcome_or_scenario
    if isinstance(x, Outcome):
        scn = x.scenario
        backend = backend or x.backend
    elif isinstance(x, Scenario):
        scn = x
    else:
        path = Path(x)
        if path.is_dir() and (path / "plan.json").exists():
            from siteplan.report.outputs import read_plan_dir

            scn, _, _ = read_plan_dir(path)
        else:
            scn = load_scenario(path)
    name, opts = solver_settings(scn, backend, options)
    opts = SolveOptions(**{**opts.as_dict(), "mip_gap": TIGHT_GAP})
    base = solve_scenario(scn, backend=name, options=opts)
    horizon = scn.spec.costs.horizon_years
    bt = base.evaluation.totals
    report = BindingReport(scenario=scn.name, objective=scn.spec.objective, base_totals=dict(bt))
    for n in (nudges if nudges is not None else default_nudges(scn)):
        row = BindingRow(n.key, n.label, n.base, n.nudged, n.step, n.unit,
                         _tight(n.key, scn, base.evaluation), "solved")
        try:
            out = solve_scenario(rescenario(scn, n.override), backend=name, options=opts)
        except InfeasibleError:
            row.status = "infeasible"
        except NoSolutionError:
            row.status = "no_solution"
        except SiteplanError as exc:
            row.status = f"error: {exc.message}"
        else:
            t = out.evaluation.totals
            row.delta_total = t["total_cost"] - bt["total_cost"]
            row.delta_capex = t["capex"] - bt["capex"]
            row.delta_opex = t["opex_per_year"] - bt["opex_per_year"]
            row.delta_covered = int(t["residents_covered"] - bt["residents_covered"])
            o1 = out.model.user_objective(out.result.objective)
            o0 = base.model.user_objective(base.result.objective)
            row.delta_objective = None if o1 is None or o0 is None else o1 - o0
            if not row.tight:  # a nudge that changes the plan binds, whatever the slack says
                row.tight = abs(row.delta_total) > 1 or row.delta_covered != 0
        row.text = _describe(row, horizon, scn.spec.objective)
        report.rows.append(row)
    return report
