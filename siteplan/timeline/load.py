"""The timeline keys of a scenario, checked, and one ordinary Scenario per year.

Why one Scenario per year: every rule module, the model builder and the checker already know
how to plan and verify one period from a Scenario. A year's scenario is the scenario with
that year's households, that year's milestone values and that year's opex budget, so no
rule module learns about years; only the links between years (siteplan.timeline.model and
.check) are new.

What a scenario may say (all optional but `years:` or `timeline:`):

    years: [2021, 2022, 2023]            # or timeline: {start: 2021, end: 2025}
    timeline: {reassign: false,          # may a served committee change its site?
               growth: 0.02}             # households a year; or {street: rate}
    budget: {capex: {2021: 5e7, 2022: 8e7},   # or one number: the same every year
             opex_per_year: 3e8, carry_over: true}   # unspent capex moves to later years
    costs: {discount_rate: 0.03}         # of the total discounted cost (default 0)
    standards: {workers_per_10k_urban: {2023: 16, 2025: 18}}   # milestones

Demand per year: committees columns `households_YYYY` / `residents_YYYY` (the plain columns
are the first year's), interpolated linearly between the years given and constant after the
last; otherwise households grow by the committee's `growth` column, else the street's rate in
`timeline.growth`, else its single rate, compounding from the first year; residents follow
households in proportion unless their own columns are given.

Milestones: a standard given as {year: value} binds with that value from that year on (until
the next milestone); before its first milestone year the rule is off. Coverage is the one
exception to "every year": under min_cost only the last year must serve every committee, an
earlier year serves whom the plan has reached (its scenario reads as max_coverage), and a
`coverage` milestone makes the share of committees served binding from its year.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from siteplan.errors import InputError
from siteplan.kinds import Objective

MAX_YEARS = 50
YEAR_RANGE = (1900, 2200)
YEAR_COLUMN = re.compile(r"^(households|residents)_(\d{4})$")
#: a rule's value in the years before its first milestone, where `false` cannot mean "off"
OFF_VALUE: dict[str, Any] = {"workers_per_10k_urban": 0.0, "coverage": {"urban": 0.0, "rural": 0.0}}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimelineSpec(_Strict):
    """`timeline:` (or a bare `years:` list)."""

    start: int | None = Field(None, ge=YEAR_RANGE[0], le=YEAR_RANGE[1])
    end: int | None = Field(None, ge=YEAR_RANGE[0], le=YEAR_RANGE[1])
    years: list[int] | None = None
    reassign: bool = False
    growth: float | dict[str, float] = 0.0

    @field_validator("growth")
    @classmethod
    def _bounded(cls, v):
        for g in (v.values() if isinstance(v, dict) else [v]):
            if not -1.0 < g <= 1.0:
                raise ValueError("a growth rate a year must lie in (-1, 1] (0.02 = 2% a year)")
        return v


@dataclass(frozen=True)
class Timeline:
    """The timeline keys, checked; `scenarios[i]` is year `years[i]` as a plain scenario."""

    years: tuple[int, ...]
    capex: dict[int, float | None]
    opex: dict[int, float | None]
    carry_over: bool
    discount_rate: float
    reassign: bool
    milestones: dict[str, dict[int, Any]]
    raw: dict  # the timeline keys as written (hashed with the scenario)
    scenarios: tuple = field(default=(), repr=False)

    def discount(self, year: int) -> float:
        """The discount factor of money spent in `year` (1 in the first year)."""
        return (1.0 + self.discount_rate) ** -(year - self.years[0])

    def capex_cap(self, i: int) -> float | None:
        """The most the plan may have spent on capex by the end of year index `i`: that
        year's budget (less nothing: the model adds the earlier years' spending), or with
        carry-over the sum of the budgets so far. None: no capex budget that year."""
        if self.carry_over:
            vals = [self.capex[y] for y in self.years[: i + 1]]
            return None if any(v is None for v in vals) else float(sum(v for v in vals if v is not None))
        return self.capex[self.years[i]]


def _is_year_key(k) -> bool:
    return (isinstance(k, int) and not isinstance(k, bool)) or (isinstance(k, str) and k.isdigit() and len(k) == 4)


def _year_keyed(v) -> bool:
    return isinstance(v, dict) and bool(v) and all(_is_year_key(k) for k in v)


def split_timeline(raw: dict, where: str) -> tuple[dict, dict | None]:
    """(the scenario without its timeline keys, the timeline keys or None). A year-keyed
    value in a scenario without a timeline is an error naming the key."""
    out = copy.deepcopy(raw)
    tl: dict[str, Any] = {}
    for key in ("years", "timeline"):
        if key in out:
            tl[key] = out.pop(key)
    budget, costs, standards = out.get("budget"), out.get("costs"), out.get("standards")
    if isinstance(budget, dict):
        for key in ("capex", "opex_per_year"):
            if _year_keyed(budget.get(key)):
                tl.setdefault("budget", {})[key] = budget.pop(key)
        if "carry_over" in budget:
            tl.setdefault("budget", {})["carry_over"] = budget.pop("carry_over")
    if isinstance(costs, dict) and "discount_rate" in costs:
        tl["discount_rate"] = costs.pop("discount_rate")
    if isinstance(standards, dict):
        for key in list(standards):
            if _year_keyed(standards[key]):
                tl.setdefault("milestones", {})[key] = standards.pop(key)
    if "years" not in tl and "timeline" not in tl:
        if tl:
            first = next(iter(tl))
            sub = next(iter(tl[first])) if isinstance(tl[first], dict) else None
            key = {"discount_rate": "costs.discount_rate", "milestones": f"standards.{sub}",
                   "budget": f"budget.{sub}"}[first]
            raise InputError(f"key {key!r} is given per year, but the scenario has no timeline",
                             where=where, fix="add years: [first, ..., last] (or timeline: {start, end}), "
                                              "or give one value")
        return out, None
    return out, tl


def _years(tl: dict, where: str) -> tuple[TimelineSpec, tuple[int, ...]]:
    block = tl.get("timeline") or {}
    if not isinstance(block, dict):
        raise InputError("timeline: must be a mapping (start:, end:, reassign:, growth:)", where=f"{where}: timeline")
    if "years" in tl:
        if "years" in block:
            raise InputError("years are given twice (years: and timeline.years)", where=f"{where}: years",
                             fix="keep one of the two")
        block = dict(block, years=tl["years"])
    try:
        spec = TimelineSpec.model_validate(block)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            near = difflib.get_close_matches(str(e["loc"][-1]), list(TimelineSpec.model_fields), n=1)
            raise InputError(f"unknown key 'timeline.{loc}'", where=where,
                             fix=f"did you mean {near[0]!r}?" if near else "remove it")
        key = loc if loc.startswith("years") and "years" in tl else f"timeline.{loc}"
        raise InputError(f"key {key!r}: {e['msg']}", where=where, fix="correct the value") from None
    if spec.years is not None:
        if spec.start is not None or spec.end is not None:
            raise InputError("give years: or timeline start/end, not both", where=f"{where}: timeline")
        years = tuple(spec.years)
        if not years:
            raise InputError("years: is empty", where=f"{where}: years", fix="list the plan's years")
        for a, b in itertools.pairwise(years):
            if b <= a:
                raise InputError(f"years are out of order: {b} follows {a}", where=f"{where}: years",
                                 fix="list the years in increasing order, each once")
            if b != a + 1:
                raise InputError(f"years have a gap: {a} is followed by {b}", where=f"{where}: years",
                                 fix=f"list every year from {years[0]} to {years[-1]}")
        if not all(YEAR_RANGE[0] <= y <= YEAR_RANGE[1] for y in years):
            raise InputError(f"a year outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}", where=f"{where}: years")
    else:
        if spec.start is None or spec.end is None:
            raise InputError("timeline: needs start: and end: (or years: [...])", where=f"{where}: timeline")
        if spec.end < spec.start:
            raise InputError(f"timeline end {spec.end} is before its start {spec.start}",
                             where=f"{where}: timeline.end", fix="swap them")
        years = tuple(range(spec.start, spec.end + 1))
    if len(years) > MAX_YEARS:
        raise InputError(f"{len(years)} years; the limit is {MAX_YEARS}", where=f"{where}: timeline")
    return spec, years


def _per_year(value, years, key: str, where: str, *, allow_none: bool = True) -> dict[int, float | None]:
    """A number (every year), a {year: number} mapping (every year given), or None."""
    if value is None:
        return {y: None for y in years}
    if isinstance(value, dict):
        vals = {int(k): v for k, v in value.items()}
        extra = sorted(set(vals) - set(years))
        if extra:
            raise InputError(f"key '{key}.{extra[0]}': {extra[0]} is not a year of the timeline "
                             f"({years[0]}–{years[-1]})", where=where, fix="remove it or extend the timeline")
        missing = [y for y in years if y not in vals]
        if missing:
            raise InputError(f"key {key!r} gives no budget for {missing[0]}", where=where,
                             fix="give every year of the timeline (or one number for all)")
        return {y: _money(vals[y], f"{key}.{y}", where) for y in years}
    v: float | None = _money(value, key, where)
    return dict.fromkeys(years, v)


def _money(v, key: str, where: str) -> float:
    if isinstance(v, str):  # YAML reads 2e6 (no dot) as a string; pydantic would coerce it too
        try:
            v = float(v)
        except ValueError:
            pass
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
        raise InputError(f"key {key!r} is {v!r}, not a number >= 0", where=where, fix="correct the value")
    return float(v)


def read_timeline(tl: dict, raw: dict, where: str, objective: str) -> Timeline:
    """The timeline keys checked (years, budgets, discount rate, milestone years); the
    per-year scenarios are added by `with_year_scenarios`."""
    spec, years = _years(tl, where)
    budget = tl.get("budget", {})
    given = raw.get("budget")
    base_budget: dict = given if isinstance(given, dict) else {}
    capex = _per_year(budget.get("capex", base_budget.get("capex")), years, "budget.capex", where)
    opex = _per_year(budget.get("opex_per_year", base_budget.get("opex_per_year")), years,
                     "budget.opex_per_year", where)
    carry = budget.get("carry_over", False)
    if not isinstance(carry, bool):
        raise InputError(f"key 'budget.carry_over' is {carry!r}, not true or false", where=where)
    rate = tl.get("discount_rate", 0.0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise InputError(f"key 'costs.discount_rate' is {rate!r}, not a number in [0, 1]", where=where,
                         fix="write e.g. 0.03 for 3% a year")
    if objective == Objective.MIN_DISTANCE:
        raise InputError("objective min_distance has no timeline form", where=f"{where}: objective",
                         fix="use min_cost (total discounted cost) or max_coverage (coverage by year)")
    milestones = {}
    for rule, by_year in (tl.get("milestones") or {}).items():
        vals = {int(k): v for k, v in by_year.items()}
        extra = sorted(set(vals) - set(years))
        if extra:
            raise InputError(f"key 'standards.{rule}.{extra[0]}': {extra[0]} is not a year of the timeline "
                             f"({years[0]}–{years[-1]})", where=where, fix="give milestones for the plan's years")
        milestones[rule] = dict(sorted(vals.items()))
    _known_rules(milestones, where)
    return Timeline(years=years, capex=capex, opex=opex, carry_over=carry, discount_rate=float(rate),
                    reassign=spec.reassign, milestones=milestones, raw=copy.deepcopy(tl))


def _known_rules(milestones: dict, where: str) -> None:
    from siteplan.rules import registered

    known = [r.id for r in registered() if r.schema is not None]
    for rule in milestones:
        if rule not in known:
            near = difflib.get_close_matches(rule, known, n=1)
            raise InputError(f"milestone for unknown rule 'standards.{rule}'", where=where,
                             fix=f"did you mean {near[0]!r}?" if near else f"use one of: {', '.join(known)}")


def milestone_value(by_year: dict[int, Any], year: int, rule: str) -> Any:
    """The value of a rule in `year`: its latest milestone so far, or "off" before the first."""
    given = [y for y in by_year if y <= year]
    if not given:
        return OFF_VALUE.get(rule, False)
    return by_year[max(given)]


def year_raw(raw: dict, tl: Timeline, i: int, objective: str) -> dict:
    """The raw mapping of year index `i` as an ordinary single-period scenario."""
    year = tl.years[i]
    out = copy.deepcopy(raw)
    std = dict(out.get("standards") or {})
    for rule, by_year in tl.milestones.items():
        std[rule] = milestone_value(by_year, year, rule)
    if "coverage" not in tl.milestones and i < len(tl.years) - 1:
        std["coverage"] = OFF_VALUE["coverage"]  # the coverage target is due in the last year
    out["standards"] = std
    budget = dict(out.get("budget") or {})
    budget["capex"] = None  # capex is a timeline row: spent year by year
    budget["opex_per_year"] = tl.opex[year]
    out["budget"] = budget
    if objective == Objective.MIN_COST and i < len(tl.years) - 1:
        out["objective"] = Objective.MAX_COVERAGE.value  # an earlier year may leave committees unserved
    elif objective == Objective.MAX_COVERAGE:
        out["objective"] = Objective.MAX_COVERAGE.value
    out["name"] = f"{raw.get('name', 'scenario')}@{year}"
    return out


def _growth_rates(tl: Timeline, com, where: str) -> np.ndarray:
    g = (tl.raw.get("timeline") or {}).get("growth", 0.0)
    streets = com["street"].to_numpy(str)
    if isinstance(g, dict):
        unknown = sorted(set(g) - set(streets))
        if unknown:
            raise InputError(f"key 'timeline.growth.{unknown[0]}': no committee is in street {unknown[0]!r}",
                             where=where, fix="name streets of the committees table")
        rates = np.array([float(g.get(s, 0.0)) for s in streets])
    else:
        rates = np.full(len(com), float(g))
    if "growth" in com.columns:
        rates = com["growth"].to_numpy(float)
    return rates


def _series(com, kind: str, years, base: np.ndarray) -> np.ndarray | None:
    """Values per (committee, year) from `<kind>_YYYY` columns, interpolated (None: no columns)."""
    cols = {int(m[2]): c for c in com.columns if (m := YEAR_COLUMN.match(str(c))) and m[1] == kind}
    if not cols:
        return None
    pts = {years[0]: base.astype(float)}
    for y, c in cols.items():
        pts[y] = com[c].to_numpy(float)
    xs = sorted(pts)
    grid = np.array([pts[x] for x in xs])  # (points, committees)
    out = np.empty((len(years), len(base)))
    for i, y in enumerate(years):
        for j in range(len(base)):
            out[i, j] = np.interp(y, xs, grid[:, j])
    return np.round(out)


def demand(tl: Timeline, com, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(households, residents) per (year index, committee) as whole numbers, checked positive."""
    years = tl.years
    h0 = com["households"].to_numpy(float)
    r0 = com["residents"].to_numpy(float)
    hh = _series(com, "households", years, h0)
    source = "the households_YYYY columns"
    if hh is None:
        rates = _growth_rates(tl, com, where)
        steps = np.array(years, dtype=float) - years[0]
        with np.errstate(invalid="ignore"):
            hh = np.round(h0[None, :] * np.power(1.0 + rates[None, :], steps[:, None]))
        source = "the growth column" if "growth" in com.columns else "timeline.growth"
    res = _series(com, "residents", years, r0)
    if res is None:
        res = np.round(r0[None, :] * hh / h0[None, :])
    for what, arr in (("households", hh), ("residents", res)):
        bad = ~(arr >= 1)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise InputError(f"committee {com['id'].iloc[j]!r} has {arr[i, j]:g} {what} in {years[i]} "
                             f"(from {source})", where=where,
                             fix="a committee needs at least one household every year: correct the growth "
                                 "rate or the year columns")
    if (hh > 1_000_000).any() or (res > 5_000_000).any():
        raise InputError(f"{source} grows a committee beyond 1,000,000 households", where=where,
                         fix="correct the growth rate")
    return hh.astype(np.int64), res.astype(np.int64)


def with_year_scenarios(base, tl: Timeline, raw: dict, preset, where: str):
    """The timeline with one Scenario per year: that year's demand, milestones and budgets."""
    from siteplan.scenario.load import Scenario, validation_error
    from siteplan.scenario.presets import resolve_standards
    from siteplan.scenario.schema import ScenarioSpec

    hh, res = demand(tl, base.tables.committees, where)
    objective = str(base.spec.objective)
    out = []
    for i, year in enumerate(tl.years):
        raw_t = year_raw(raw, tl, i, objective)
        try:
            spec = ScenarioSpec.model_validate(raw_t)
        except ValidationError as exc:
            err = validation_error(exc, where)
            raise InputError(f"in {year}: {err.message}", where=where, fix=err.fix) from None
        try:
            st = resolve_standards(preset, spec.standards)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            rules = ", ".join(sorted(tl.milestones)) or "standards"
            raise InputError(f"in {year}: standards: {exc}", where=where,
                             fix=f"check the milestones of {rules} (a rule is off before its first "
                                 "milestone; give one for the first year if it cannot be off)") from None
        com = base.tables.committees.copy()
        com["households"], com["residents"] = hh[i], res[i]
        for j, (h, kind) in enumerate(zip(com["households"], com["kind"])):
            if st.band_for(int(h), kind) is None:
                raise InputError(f"in {year} committee {com['id'].iloc[j]!r} has {h} households ({kind}) and "
                                 "falls in no committee_workers band", where=where,
                                 fix="add a band covering it under standards.committee_workers")
        tables = replace(base.tables, committees=com)
        types = base.types  # the same types every year; coverage is due in the last year only
        if types is not None and i < len(tl.years) - 1:
            types = replace(types, partial=True)
        out.append(Scenario(path=base.path, spec=spec, standards=st, tables=tables, raw=raw_t,
                            yaml_files=base.yaml_files, types=types))
    return replace(tl, scenarios=tuple(out))
