"""The elastic planning model: every standard and budget gets a measured shortfall.

Why: when no plan meets every rule, the solver only says "infeasible". Adding a
non-negative shortfall column to each rule's rows (and relaxing the worker bands and plot
caps into rows with shortfalls) gives a model that always has a plan; minimising the
shortfalls tier by tier tells which rules must give and by how much.

Tiers, minimised in this order (so relaxed in the reverse order):
    binding   约束性 rules (coverage, area per 100 households in most presets)
    capacity  plot caps (max_area_m2): land is harder to find than money
    resource  budgets: the money the scenario says it has
    standard  stated norms (应, "in principle")
    expected  预期性 targets
    default   siteplan's editable assumptions
Within a tier each shortfall is divided by its rule's scale (required workers, total area
need, the budget...), so shortfalls of different units add up as relative amounts.

Each rule adds its own shortfalls (`Rule.shortfall`, siteplan/rules): which rows get one,
what each is about (the site, committee or street the model recorded when the rule added
the row) and its tier (the rule's own, else its preset kind's). A row block no rule owns is
an error: a new block is classified on purpose.

Works on a copy of the neutral `Model` that `build_planning_model` returns: columns and
rows are appended, existing column indices (y, a, x, w, n) stay valid for decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from siteplan.kinds import Phase
from siteplan.model.build import PlanningModel
from siteplan.model.ir import INF, Model

if TYPE_CHECKING:  # pragma: no cover
    from siteplan.rules.base import Rule

TIERS = ("binding", "capacity", "resource", "standard", "expected", "default")
#: tier objectives are in thousandths of a relative shortfall: keeps every cost coefficient
#: far above solvers' dual tolerances (1e-7), which a 1/budget weight in CNY would not be
WEIGHT = 1000.0
#: row blocks of the structural model (siteplan.model.build) that no shortfall relaxes, or
#: whose shortfall a rule adds by name (coverage: "assign")
STRUCTURAL_ROWS = ("assign", "link")


def tier_of_kind(kind: str | None) -> str:
    """A preset rule's kind mapped to an elastic tier."""
    return kind if kind in ("binding", "standard", "expected") else "default"


@dataclass
class SlackGroup:
    """Shortfall columns of one rule (or budget); `keys` names what each column measures."""

    name: str  # uncovered, density, band_low, band_high, area, minarea, plot_cap, windows, capex, opex
    rule: str  # the owning rule's id (budget, max_area, or a preset rule id)
    tier: str
    scale: float
    cols: np.ndarray
    keys: np.ndarray  # committee / site / street index per column (or 0)
    unit: float = 1.0  # one column unit in natural units (1e6 CNY for budgets)
    about: str = ""  # what else the group is about, e.g. the facility type of a type rule's rows

    def amounts(self, x: np.ndarray) -> np.ndarray:
        return x[self.cols] * self.unit


@dataclass
class ElasticModel:
    model: Model
    pm: PlanningModel
    groups: list[SlackGroup] = field(default_factory=list)

    def group(self, name: str) -> SlackGroup | None:
        return next((g for g in self.groups if g.name == name), None)

    def tier_cost(self, tier: str) -> np.ndarray:
        c = np.zeros(self.model.n_vars)
        for g in self.groups:
            if g.tier == tier:
                c[g.cols] = WEIGHT * g.unit / max(g.scale, 1e-9)
        return c


class ElasticBuilder:
    """Appends shortfall columns and rows to a copy of a model's arrays (COO until `finish`);
    what a rule's `shortfall` hook works with."""

    def __init__(self, model: Model, pm: PlanningModel, kinds: dict[str, str]):
        coo = model.A.tocoo()
        self.r, self.c, self.v = [coo.row], [coo.col], [coo.data]
        self.lb, self.ub = model.lb.copy(), model.ub.copy()
        self.integer = model.integer.copy()
        self.rlb, self.rub = model.row_lb.copy(), model.row_ub.copy()
        self.n_vars, self.n_rows = model.n_vars, model.n_rows
        self.var_blocks, self.row_blocks = dict(model.var_blocks), dict(model.row_blocks)
        self.model, self.pm, self.inst, self.kinds = model, pm, pm.inst, kinds
        self.groups: list[SlackGroup] = []
        self._rule: Rule | None = None  # the rule whose hook is running (for its tier)

    def keys(self, block: str) -> np.ndarray:
        """What each row of a block is about, as the rule recorded it when adding the rows."""
        return self.pm.row_keys[block][1]

    def group(self, name: str, rule: str, scale: float, cols, keys, unit: float = 1.0, about: str = "") -> None:
        """Register shortfall columns of a rule (nothing when `cols` is None or empty)."""
        if cols is None or not len(cols):
            return
        own = self._rule.tier if self._rule is not None else None
        tier = own or tier_of_kind(self.kinds.get(rule))
        self.groups.append(SlackGroup(name, rule, tier, float(scale), cols, np.asarray(keys), unit, about))

    def add_cols(self, name: str, n: int) -> np.ndarray:
        idx = np.arange(self.n_vars, self.n_vars + n, dtype=np.int64)
        self.lb = np.append(self.lb, np.zeros(n))
        self.ub = np.append(self.ub, np.full(n, INF))
        self.integer = np.append(self.integer, np.zeros(n, dtype=bool))
        self.var_blocks[name] = slice(self.n_vars, self.n_vars + n)
        self.n_vars += n
        return idx

    def add_rows(self, name: str, rows, cols, vals, lb, ub, n: int) -> np.ndarray:
        self.r.append(np.asarray(rows, dtype=np.int64) + self.n_rows)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.broadcast_to(np.asarray(vals, dtype=float), np.shape(rows)).copy())
        self.rlb = np.append(self.rlb, np.broadcast_to(np.asarray(lb, dtype=float), (n,)))
        self.rub = np.append(self.rub, np.broadcast_to(np.asarray(ub, dtype=float), (n,)))
        self.row_blocks[name] = slice(self.n_rows, self.n_rows + n)
        self.n_rows += n
        return np.arange(self.n_rows - n, self.n_rows)

    def slack_on_rows(self, block: str, sign: float, unit: float = 1.0) -> np.ndarray | None:
        """One shortfall column per row of `block`: +1 for >= rows, -1 for <= rows."""
        sl = self.row_blocks.get(block)
        if sl is None or sl.stop == sl.start:
            return None
        n = sl.stop - sl.start
        cols = self.add_cols(f"short_{block}", n)
        self.r.append(np.arange(sl.start, sl.stop, dtype=np.int64))
        self.c.append(cols)
        self.v.append(np.full(n, sign * unit))
        return cols

    def finish(self) -> Model:
        m = self.model
        A = sp.csr_matrix((np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
                          shape=(self.n_rows, self.n_vars))
        A.sum_duplicates()
        c = np.append(m.c, np.zeros(self.n_vars - m.n_vars))
        return m.replace(name=m.name + "-elastic", c=c, lb=self.lb, ub=self.ub, integer=self.integer, A=A,
                         row_lb=self.rlb, row_ub=self.rub, var_blocks=self.var_blocks,
                         row_blocks=self.row_blocks, sense="min", warm_start=None,
                         meta=dict(m.meta, objective=Phase.ELASTIC))


def unowned_row_blocks(model: Model) -> list[str]:
    """Row blocks of a planning model that neither the structure nor any rule owns."""
    from siteplan.rules import registered

    owned = set(STRUCTURAL_ROWS)
    for r in registered():
        owned |= set(r.row_blocks)
    return [b for b in model.row_blocks if b not in owned]


def build_elastic(model: Model, pm: PlanningModel, kinds: dict[str, str]) -> ElasticModel:
    """Append each rule's shortfall columns to `model` (not mutated); `kinds` maps rule id
    -> preset kind."""
    from siteplan.rules import registered

    stray = unowned_row_blocks(model)
    if stray:
        raise ValueError(f"row blocks {stray} belong to no rule: give them to the rule that adds them "
                         "(its row_blocks), or to siteplan.analysis.elastic.STRUCTURAL_ROWS")
    eb = ElasticBuilder(model, pm, kinds)
    for rule in registered():
        eb._rule = rule
        rule.shortfall(eb)
    eb._rule = None
    return ElasticModel(model=eb.finish(), pm=pm, groups=eb.groups)


def with_cost(model: Model, c: np.ndarray, *, lb=None, ub=None, extra_rows=()) -> Model:
    """A copy of `model` with objective `c` (no offset), optional bounds and extra rows.

    `extra_rows` are (coefficient vector, upper bound) pairs.
    """
    A, rlb, rub = model.A, model.row_lb, model.row_ub
    blocks = dict(model.row_blocks)
    if extra_rows:
        A = sp.vstack([A] + [sp.csr_matrix(r) for r, _ in extra_rows], format="csr")
        rlb = np.append(rlb, np.full(len(extra_rows), -INF))
        rub = np.append(rub, [u for _, u in extra_rows])
        blocks["tier_caps"] = slice(model.n_rows, model.n_rows + len(extra_rows))
    return model.replace(c=c, lb=model.lb if lb is None else lb, ub=model.ub if ub is None else ub,
                         A=A, row_lb=rlb, row_ub=rub, row_blocks=blocks, offset=0.0, sense="min")
