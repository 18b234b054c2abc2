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

Works on a copy of the neutral `Model` that `build_planning_model` returns: columns and
rows are appended, existing column indices (y, a, x, w, n) stay valid for decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from siteplan.instance import Instance
from siteplan.model.build import PlanningModel, useful_sites
from siteplan.model.ir import INF, Model

TIERS = ("binding", "capacity", "resource", "standard", "expected", "default")
#: tier objectives are in thousandths of a relative shortfall: keeps every cost coefficient
#: far above solvers' dual tolerances (1e-7), which a 1/budget weight in CNY would not be
WEIGHT = 1000.0
#: row blocks that are valid only while plot caps hold (dropped: caps become elastic); a
#: builder may also name such blocks in `model.meta["cap_dependent_rows"]`
CAP_DEPENDENT_ROWS = ("capacity_cuts",)
#: every row block the elastic model knows how to treat; a test fails on any other, so a new
#: block in build.py gets classified here (elastic, structural or cap-dependent) on purpose
KNOWN_ROW_BLOCKS = ("assign", "link", "minarea", "maxarea", "area", "area_street", "density",
                    "windows", "budget_capex", "budget_opex", *CAP_DEPENDENT_ROWS)


def tier_of_kind(kind: str | None) -> str:
    """A preset rule's kind mapped to an elastic tier."""
    return kind if kind in ("binding", "standard", "expected") else "default"


@dataclass
class SlackGroup:
    """Shortfall columns of one rule (or budget); `keys` names what each column measures."""

    name: str  # uncovered, density, band_low, band_high, area, minarea, plot_cap, windows, capex, opex
    rule: str  # preset rule id, or budget / max_area
    tier: str
    scale: float
    cols: np.ndarray
    keys: np.ndarray  # committee / site / street index per column (or 0)
    unit: float = 1.0  # one column unit in natural units (1e6 CNY for budgets)

    def amounts(self, x: np.ndarray) -> np.ndarray:
        return x[self.cols] * self.unit


@dataclass
class ElasticModel:
    model: Model
    pm: PlanningModel
    groups: list[SlackGroup] = field(default_factory=list)
    #: (row slice, original lb, original ub) of rows dropped because plot caps became elastic
    cap_rows: list[tuple[slice, np.ndarray, np.ndarray]] = field(default_factory=list)

    def with_cap_rows(self) -> Model:
        """The model with the cap-dependent rows back (valid once no plot cap is exceeded)."""
        if not self.cap_rows:
            return self.model
        rlb, rub = self.model.row_lb.copy(), self.model.row_ub.copy()
        for sl, lo, hi in self.cap_rows:
            rlb[sl], rub[sl] = lo, hi
        m = self.model
        return m.replace(row_lb=rlb, row_ub=rub)

    def group(self, name: str) -> SlackGroup | None:
        return next((g for g in self.groups if g.name == name), None)

    def tier_cost(self, tier: str) -> np.ndarray:
        c = np.zeros(self.model.n_vars)
        for g in self.groups:
            if g.tier == tier:
                c[g.cols] = WEIGHT * g.unit / max(g.scale, 1e-9)
        return c


class _Grow:
    """Appends columns and rows to a copy of a model's arrays (COO until `finish`)."""

    def __init__(self, model: Model):
        coo = model.A.tocoo()
        self.r, self.c, self.v = [coo.row], [coo.col], [coo.data]
        self.lb, self.ub = model.lb.copy(), model.ub.copy()
        self.integer = model.integer.copy()
        self.rlb, self.rub = model.row_lb.copy(), model.row_ub.copy()
        self.n_vars, self.n_rows = model.n_vars, model.n_rows
        self.var_blocks, self.row_blocks = dict(model.var_blocks), dict(model.row_blocks)
        self.model = model

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
                         meta=dict(m.meta, objective="elastic"))


def _row_keys(inst: Instance, block: str) -> np.ndarray:
    """What each row of a block is about (site, street or committee index)."""
    useful = useful_sites(inst)
    if block == "minarea":
        return np.flatnonzero((inst.min_area > inst.existing_area) & useful)
    if block == "maxarea":
        return np.flatnonzero(useful & ~(inst.existing | inst.required))
    if block == "area_street":
        return np.arange(len(inst.streets))
    if block == "assign":
        return np.arange(inst.n_committees)
    return np.arange(inst.n_sites)  # area (facility scope), windows


def build_elastic(model: Model, pm: PlanningModel, kinds: dict[str, str]) -> ElasticModel:
    """Append shortfall columns to `model` (not mutated); `kinds` maps rule id -> preset kind."""
    inst = pm.inst
    g = _Grow(model)
    em_groups: list[SlackGroup] = []

    def group(name, rule, tier, scale, cols, keys, unit=1.0):
        if cols is not None and len(cols):
            em_groups.append(SlackGroup(name, rule, tier, float(scale), cols, np.asarray(keys), unit))

    cap_rows = []
    for block in (*CAP_DEPENDENT_ROWS, *model.meta.get("cap_dependent_rows", ())):
        if block in g.row_blocks:
            sl = g.row_blocks[block]
            cap_rows.append((sl, g.rlb[sl].copy(), g.rub[sl].copy()))
            g.rlb[sl] = -INF
            g.rub[sl] = INF

    tier = {r: tier_of_kind(kinds.get(r)) for r in
            ("coverage", "area_per_100_households", "min_facility_area_m2", "workers_per_10k_urban",
             "committee_workers", "windows")}
    total_need = float(inst.area_need.sum()) or 1.0
    if pm.objective != "max_coverage":
        group("uncovered", "coverage", tier["coverage"], inst.n_committees,
              g.slack_on_rows("assign", 1.0), _row_keys(inst, "assign"))
    for block in ("area", "area_street"):
        group("area", "area_per_100_households", tier["area_per_100_households"], total_need,
              g.slack_on_rows(block, 1.0), _row_keys(inst, block))
    keys = _row_keys(inst, "minarea")
    group("minarea", "min_facility_area_m2", tier["min_facility_area_m2"],
          float(inst.min_area[keys].sum()) if len(keys) else 1.0, g.slack_on_rows("minarea", 1.0), keys)
    # plot caps: the maxarea rows of optional sites, plus new rows for sites that must open
    useful = useful_sites(inst)
    cap = np.maximum(inst.max_area, inst.existing_area)
    g.ub[pm.a[useful]] = INF
    cols = g.slack_on_rows("maxarea", -1.0)
    keys = list(_row_keys(inst, "maxarea"))
    forced = np.flatnonzero(useful & (inst.existing | inst.required))
    if len(forced):
        fc = g.add_cols("short_forced_cap", len(forced))
        i = np.arange(len(forced))
        g.add_rows("forced_cap", np.concatenate([i, i]), np.concatenate([pm.a[forced], fc]),
                   np.concatenate([np.ones(len(forced)), -np.ones(len(forced))]), -INF, cap[forced],
                   len(forced))
        cols = fc if cols is None else np.concatenate([cols, fc])
        keys += list(forced)
    group("plot_cap", "max_area", "capacity", float(cap[useful].sum()) or 1.0, cols, keys)
    group("density", "workers_per_10k_urban", tier["workers_per_10k_urban"],
          max(inst.required_workers, 1.0), g.slack_on_rows("density", 1.0), [0])
    group("windows", "windows", tier["windows"], float(inst.residents.sum()) or 1.0,
          g.slack_on_rows("windows", 1.0), _row_keys(inst, "windows"))
    # worker bands: bounds become rows with shortfalls on both sides
    n_c = inst.n_committees
    g.lb[pm.w] = 0.0
    g.ub[pm.w] = INF
    lo_c = np.flatnonzero(inst.band_min > 0)
    if len(lo_c):
        s = g.add_cols("short_band_low", len(lo_c))
        i = np.arange(len(lo_c))
        g.add_rows("band_low", np.concatenate([i, i]), np.concatenate([pm.w[lo_c], s]), 1.0,
                   inst.band_min[lo_c].astype(float), INF, len(lo_c))
        group("band_low", "committee_workers", tier["committee_workers"],
              float(inst.band_min.sum()) or 1.0, s, lo_c)
    s = g.add_cols("short_band_high", n_c)
    i = np.arange(n_c)
    g.add_rows("band_high", np.concatenate([i, i]), np.concatenate([pm.w, s]),
               np.concatenate([np.ones(n_c), -np.ones(n_c)]), -INF, inst.band_max.astype(float), n_c)
    group("band_high", "committee_workers", tier["committee_workers"],
          float(inst.band_max.sum()) or 1.0, s, i)
    if pm.budget_capex is not None:
        group("capex", "budget", "resource", max(pm.budget_capex, 1e6),
              g.slack_on_rows("budget_capex", -1.0, 1e6), [0], 1e6)
    if pm.budget_opex is not None:
        group("opex", "budget", "resource", max(pm.budget_opex, 1e6),
              g.slack_on_rows("budget_opex", -1.0, 1e6), [0], 1e6)
    return ElasticModel(model=g.finish(), pm=pm, groups=em_groups, cap_rows=cap_rows)


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
