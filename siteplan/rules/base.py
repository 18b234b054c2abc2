"""The `Rule` protocol: everything siteplan knows about one policy rule, in one class.

Each hook has a do-nothing default, so a rule writes only the parts it has. The callers
(scenario schema and presets, model builder, decode, elastic model, explain, binding, the
report and the checker) loop over `siteplan.rules.registered()` and name no rule.

Two sides that must never share code:
    model side    `add_vars`, `add_rows`, `decode`, `warm_start`, `shortfall`: read the
                  instance arrays and the model (`siteplan.model.build.PlanningModel`);
    checker side  `facility_facts`, `check`, `totals`: read the plan and the scenario's
                  tables only (`siteplan.plan.CheckContext`), with their own arithmetic,
                  so a slip on one side shows up as a disagreement with the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from siteplan.analysis.elastic import ElasticBuilder, SlackGroup
    from siteplan.model.build import PlanningModel
    from siteplan.plan import CheckContext, _Compliance
    from siteplan.scenario.load import Scenario


#: checker tolerances and status words (shared by the checker and the rules' checks)
REL_TOL = 1e-6
AREA_TOL = 1e-3  # m²
MONEY_TOL = 1.0  # CNY
NOT_DECLARED = "not declared"
NOT_ASSESSED = "not assessed"


#: for Chinese notes: committee kinds, and counts as written in the English notes
KIND_ZH = {"urban": "城镇", "rural": "农村"}


def n_zh(text: str) -> str:
    """A count from an English note ("1,234" or "1234") with thousands separators."""
    t = text.replace(",", "")
    return f"{int(t):,}" if t.isdigit() else text


def leq(a: float, b: float, tol: float) -> bool:
    """a <= b within an absolute and a relative tolerance (the checker's comparison)."""
    return a <= b + tol + REL_TOL * abs(b)


class Rule:
    """One policy rule. Subclass, set the class attributes, override the hooks you need."""

    #: the preset rule id (compliance rows' `rule`; the scenario's `standards:` key)
    id: ClassVar[str] = ""
    #: position in the registry: the model's rows and the checker's rows follow this order
    order: ClassVar[int] = 1000
    #: rule ids this rule writes in compliance rows -> (zh, en) names for the report
    names: ClassVar[dict[str, tuple[str, str]]] = {}
    #: binding nudge keys this rule makes -> (zh, en) label for the report
    nudge_labels: ClassVar[dict[str, tuple[str, str]]] = {}
    #: checker notes in English (a regex the whole note matches) -> its Chinese (from the match)
    notes_zh: ClassVar[dict[str, Callable[[re.Match], str]]] = {}
    #: model row blocks this rule adds (the elastic model refuses a block nobody owns)
    row_blocks: ClassVar[tuple[str, ...]] = ()
    #: elastic tier of its shortfalls; None: from the preset's kind (约束性 binding first)
    tier: ClassVar[str | None] = None
    #: optional columns of the committees table it reads -> allowed values ("" = not given)
    committee_columns: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: per-facility decisions it adds to plan.json (`Plan.extra[field]` = {site id: value});
    #: floor areas here count towards the plot and are costed like floor area
    floor_fields: ClassVar[tuple[str, ...]] = ()
    #: floor field -> (zh, en) header of its column in the report's facilities table
    field_labels: ClassVar[dict[str, tuple[str, str]]] = {}

    # ------------------------------------------------------------------ preset and schema

    #: the scenario's `standards.<id>` override: (type annotation, description) or None
    schema: ClassVar[Any] = None
    #: its value when a preset does not declare it (None: the rule is off unless the
    #: scenario sets it), and the preset metadata it then reports under
    default: ClassVar[Any] = None
    meta: ClassVar[dict] = {}

    def resolve(self, value, given: dict, preset_value) -> Any:
        """The setting the model and checker use, from the (overridden) preset value.
        `given` holds the scenario's overrides as a plain dict; `preset_value` is the
        preset's own value (for partial overrides)."""
        return value

    # ------------------------------------------------------------------ model side

    def add_vars(self, pm: PlanningModel) -> None:
        """Add its columns (called for every rule before any `add_rows`)."""

    def add_rows(self, pm: PlanningModel) -> None:
        """Add its rows; the formulation belongs in the docstring."""

    def decode(self, pm: PlanningModel, x: np.ndarray, plan, served: np.ndarray) -> None:
        """Write its own decisions from a solution into `plan.extra` (`served`: committee
        index -> site index or -1)."""

    def warm_start(self, pm: PlanningModel, plan, x: np.ndarray) -> None:
        """Set its columns in the warm-start vector `x` from a plan."""

    def complete_start(self, pm: PlanningModel, plan):
        """Add its own decisions to the heuristic's first plan (which knows only the
        service facility); None when it finds none, and the solve goes without a start."""
        return plan

    def committee_floor(self, pm: PlanningModel) -> np.ndarray | None:
        """Extra floor area (m²) that serving each committee adds at its site, beyond the
        area rule's need: for the warm-start heuristic and decode's plot check."""
        return None

    def shortfall(self, eb: ElasticBuilder) -> None:
        """Add its shortfall columns to the elastic model (`eb.group(...)`)."""

    # ------------------------------------------------------------------ proofs

    #: the stages its proofs run in: 0 first; 1 only if no stage-0 proof fired (a proof that
    #: subsumes cheaper ones, e.g. the max-flow one); 2 always, last (budgets)
    proof_stages: ClassVar[tuple[int, ...]] = (0,)

    def prove_infeasible(self, scn: Scenario, inst, stage: int = 0) -> list[str]:
        """Cheap proofs that no plan can meet this rule, in plain words with the numbers
        (run by `validate` and before every solve; `siteplan.checks` has shared helpers)."""
        return []

    # ------------------------------------------------------------------ words

    def describe(self, words, g: SlackGroup, vals: np.ndarray, hit: np.ndarray) -> tuple[str, float, str, list]:
        """(English sentence, amount, unit, ids) for a shortfall group of this rule (`hit`: the
        indices of `vals` that are short; `g.keys[hit]` what they are about); the
        numbers used go in `words.facts` for the Chinese sentence."""
        return f"{g.name}: {float(vals.sum()):,.2f} short", float(vals.sum()), "", []

    def describe_zh(self, group: str, facts: dict, shortfall: dict, prefix: str) -> str | None:
        """The Chinese sentence from the same facts (None: fall back to the English)."""
        return None

    def nudges(self, scn: Scenario) -> list:
        """`siteplan.analysis.binding.Nudge`s: what "a little more" of this rule means."""
        return []

    def at_limit(self, key: str, scn: Scenario, ev) -> bool | None:
        """Whether the plan sits on this rule's limit (for a nudge of it); None: cannot tell."""
        return None

    # ------------------------------------------------------------------ checker side

    def facility_facts(self, ctx: CheckContext, f: dict) -> None:
        """Fill the facility record's fields this rule owns (from the plan and tables)."""

    def check(self, ctx: CheckContext, chk: _Compliance) -> None:
        """Add its compliance rows; reads the plan and the input tables only."""

    def totals(self, ctx: CheckContext, totals: dict) -> None:
        """Add its figures to the plan's totals (add keys only)."""

    def costs(self, ctx: CheckContext) -> tuple[float, float]:
        """(capex, floor opex a year) of facilities it prices itself, beyond the records'."""
        return 0.0, 0.0


def by_kind(value, keys) -> dict[str, float]:
    """A number or a {kind: number} mapping as {kind: number} over `keys` (missing: 0)."""
    if isinstance(value, dict):
        return {k: float(value.get(k, 0.0)) for k in keys}
    return {k: float(value) for k in keys}


def by_kind_override(value, given, preset_value, key, keys) -> dict[str, float]:
    """`by_kind`, where a partial {kind: number} override keeps the preset's other kinds."""
    if isinstance(given.get(key), dict):
        base = by_kind(preset_value, keys)
        return {k: float(given[key].get(k, base[k])) for k in keys}
    return by_kind(value, keys)


INF = float("inf")
ByKind = dict[Literal["urban", "rural"], float]
BySiteKind = dict[Literal["urban", "rural", "centre"], float]
SITE_KINDS = ("urban", "rural", "centre")


def non_negative(v):
    """A pydantic after-validator: no negative number (in a number or a by-kind mapping)."""
    vals = v.values() if isinstance(v, dict) else [v]
    if any(x is not None and x < 0 for x in vals):
        raise ValueError("must not be negative")
    return v
