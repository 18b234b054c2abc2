r"""The planning model: which sites open, how large, who they serve, how many workers.

Built from sparse arrays of the reachable (committee, site) pairs P only; no dense
committee x site matrix is ever formed. This module adds the structural part (sites,
assignments, costs, objective); each policy rule adds its own columns and rows from its
module in siteplan/rules (`add_vars`, then `add_rows`, in registry order), and its
docstring there is that block's formulation. The summary below is the whole model.

Sets and data
    C committees (households h_c, residents r_c, urban or rural), S candidate sites,
    P ⊆ C×S pairs within walking reach (distance d_p), T streets.
    need_c = rate_kind(c)/100 · h_c  (m² of floor area the committee's households need)
    E_s existing floor area (E_s > 0: an existing facility, always open, may expand)
    amin_s minimum area for the site's kind; amax_s the plot's largest floor area
    band [lo_c, hi_c] of workers by households; R = workers_per_10k · Σ_urban r_c / 10⁴
    wage = worker_per_year; H = horizon_years

Variables
    y_s ∈ {0,1}  open (fixed 1 when existing or required, 0 when excluded or useless)
    a_s ≥ E_s    floor area (m²), continuous
    x_p ∈ {0,1}  committee c served by site s, for p = (c, s) ∈ P
    w_c ∈ ℤ      workers of committee c, lo_c ≤ w_c ≤ hi_c
    n_s ∈ ℤ₊     service windows (only with a window rule)

Constraints
    assign   Σ_{p∋c} x_p = 1                    (max_coverage: ≤ 1, committee may stay uncovered)
    link     x_p ≤ y_s                           (disaggregated: the strong LP bound)
    minarea  a_s ≥ amin_s · y_s
    maxarea  a_s ≤ amax_s · y_s
    area     facility scope: a_s ≥ Σ_{p∋s} need_c x_p
             street scope:   Σ_{s∈t} a_s ≥ Σ_{c∈t} need_c  (max_coverage: need of covered c)
    density  Σ_{c urban} w_c ≥ R
    windows  N · n_s ≥ Σ_{p∋s} r_c x_p           (N residents per window; staff n_s + k·y_s)
    capex    Σ_s fixed_s·y_s·[E_s = 0] + cost_s·(a_s − E_s) ≤ budget.capex
    opex     Σ_s opex_s·a_s + wage·(Σ_c w_c + Σ_s (n_s + k·y_s)) ≤ budget.opex_per_year

Objectives
    min_cost      minimise capex + H · opex
    min_distance  minimise Σ_p r_c d_p x_p
    max_coverage  maximise Σ_p r_c x_p; a second solve then minimises cost with coverage
                  fixed at that optimum (lexicographic, exact ties by cost, see pipeline)

Why this shape: the disaggregated link rows give the facility-location LP bound that
closes most of the gap; a_s is continuous because cost is linear in area, so the solver
sets it to max(amin_s, served need) by itself; the worker block is one knapsack row over
unit coefficients, whose LP optimum is already integral.
"""

from __future__ import annotations

import numpy as np

from siteplan.instance import Instance
from siteplan.kinds import AreaScope, Objective, Phase
from siteplan.model.costs import SiteCosts
from siteplan.model.ir import INF, Model, ModelBuilder


class PlanningModel:
    """The built model plus the column indices needed to decode a solution.

    Rules add their columns through `b` (the builder) and their rows through `add_rows`,
    which records what each row is about (site, committee, street or city index), so the
    elastic model and the diagnosis never re-derive a rule's selection of rows.
    """

    def __init__(self, inst: Instance, objective: Objective, budget_capex, budget_opex, *,
                 area_scope: AreaScope = AreaScope.FACILITY, scenario=None):
        self.inst = inst
        self.objective = objective
        self.area_scope = area_scope
        self.scenario = scenario
        self.budget_capex = budget_capex
        self.budget_opex = budget_opex
        self.b = ModelBuilder(f"siteplan-{objective}")
        #: column indices of open, area, assignment and worker variables (set by the add_* blocks)
        empty = np.empty(0, dtype=np.int64)
        self.y: np.ndarray = empty
        self.a: np.ndarray = empty
        self.x: np.ndarray = empty
        self.w: np.ndarray = empty
        #: window columns, only with a window rule
        self.n: np.ndarray | None = None
        #: per-site columns of floor area a rule adds (counts towards the plot, costed like a_s)
        self.floor_cols: list[np.ndarray] = []
        #: (columns, staff per unit) paid at the worker wage besides the committees' workers
        self.staff_terms: list[tuple[np.ndarray, np.ndarray]] = []
        #: columns a rule adds, by name (decode and warm starts read them by name)
        self.vars: dict[str, np.ndarray] = {}
        #: facility costs a rule prices itself (columns, capex coefficients, opex a year)
        #: instead of at the site's own prices, e.g. a facility type on a shared plot
        self.cost_terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        #: what a rule keeps between its hooks (its own blocks), by the rule's id
        self.data: dict[str, object] = {}
        #: row block -> (what a row is about: "site" | "committee" | "street" | "city", indices)
        self.row_keys: dict[str, tuple[str, np.ndarray]] = {}
        #: (columns, coefficients) of capex and of opex a year, set by `add_costs`
        self.capex_terms: tuple[np.ndarray, np.ndarray] = (empty, np.empty(0))
        self.opex_terms: tuple[np.ndarray, np.ndarray] = (empty, np.empty(0))
        self.capex_const = 0.0

    def setting(self, rule_id: str):
        """A rule's resolved setting (None without a scenario, or when the rule is off)."""
        if self.scenario is None:
            return None
        return self.scenario.standards.settings.get(rule_id)

    def add_rows(self, name: str, keys: tuple[str, np.ndarray], rows, cols, vals, *, lb=-INF, ub=INF) -> np.ndarray:
        """A row block whose i-th row is about `keys[1][i]` (a `keys[0]` index)."""
        kind, idx = keys
        idx = np.asarray(idx, dtype=np.int64)
        self.row_keys[name] = (kind, idx)
        return self.b.add_rows(name, len(idx), rows, cols, vals, lb=lb, ub=ub)


def useful_sites(inst: Instance) -> np.ndarray:
    """Sites that can serve someone, or must stay open anyway."""
    served = np.zeros(inst.n_sites, dtype=bool)
    served[inst.pair_s] = True
    return (served | inst.existing | inst.required) & ~inst.excluded


def add_sites(pm: PlanningModel) -> None:
    inst = pm.inst
    forced = inst.existing | inst.required
    lb_y = np.where(forced, 1.0, 0.0)
    ub_y = np.where(useful_sites(inst), 1.0, 0.0)
    pm.y = pm.b.add_vars("open", inst.n_sites, lb=lb_y, ub=ub_y, integer=True)
    pm.a = pm.b.add_vars("area", inst.n_sites, lb=inst.existing_area, ub=np.where(ub_y > 0, inst.max_area, 0.0))


def add_assignments(pm: PlanningModel) -> None:
    inst = pm.inst
    pm.x = pm.b.add_vars("assign", inst.n_pairs, lb=0.0, ub=1.0, integer=True)
    due = np.isin(np.where(inst.urban, "urban", "rural"), getattr(pm.scenario, "due", ()))
    eq = 1.0 if pm.objective != Objective.MAX_COVERAGE else np.where(due, 1.0, -INF)  # due: served anyway
    pm.add_rows("assign", ("committee", np.arange(inst.n_committees)), inst.pair_c, pm.x, 1.0, lb=eq, ub=1.0)
    k = np.arange(inst.n_pairs)
    pm.add_rows("link", ("pair", k), np.concatenate([k, k]), np.concatenate([pm.x, pm.y[inst.pair_s]]),
                np.concatenate([np.ones(inst.n_pairs), -np.ones(inst.n_pairs)]), ub=0.0)


def add_costs(pm: PlanningModel) -> None:
    """Capex and opex as linear expressions (columns, coefficients): siteplan.model.costs."""
    costs = SiteCosts.of(pm.inst)
    (cc, cv), pm.capex_const = costs.capex_terms(pm.y, [pm.a, *pm.floor_cols])
    oc, ov = costs.opex_terms([pm.a, *pm.floor_cols], pm.w, pm.staff_terms)
    for cols, capex, opex in pm.cost_terms:
        cc, cv = np.concatenate([cc, cols]), np.concatenate([cv, capex])
        oc, ov = np.concatenate([oc, cols]), np.concatenate([ov, opex])
    pm.capex_terms, pm.opex_terms = (cc, cv), (oc, ov)


def add_objective(pm: PlanningModel) -> str:
    inst = pm.inst
    if pm.objective == Objective.MIN_COST:
        c, v = pm.capex_terms
        pm.b.add_cost(c, v)
        c, v = pm.opex_terms
        pm.b.add_cost(c, inst.horizon * v)
        pm.b.offset = pm.capex_const
        return "min"
    if pm.objective == Objective.MIN_DISTANCE:
        pm.b.add_cost(pm.x, inst.residents[inst.pair_c] * inst.pair_d)
        return "min"
    pm.b.add_cost(pm.x, -inst.residents[inst.pair_c].astype(float))
    return "max"


def facility_cost_vector(pm: PlanningModel) -> tuple[np.ndarray, float]:
    """Coefficients and constant of the facility part: capex + H · area opex (no workers)."""
    inst = pm.inst
    c = np.zeros(pm.b.n_vars)
    cols, vals = pm.capex_terms
    np.add.at(c, cols, vals)
    for floor in [pm.a, *pm.floor_cols]:
        np.add.at(c, floor, inst.horizon * inst.opex_per_m2)
    for cols, _, opex in pm.cost_terms:
        np.add.at(c, cols, inst.horizon * opex)
    return c, pm.capex_const


def build_planning_model(inst: Instance, objective: Objective, area_scope: AreaScope,
                         budget_capex: float | None, budget_opex: float | None, *,
                         scenario=None) -> tuple[Model, PlanningModel]:
    """The structural blocks, then every registered rule's columns and rows, then costs and
    the objective. `scenario` gives the rules their settings (without it, only the rules
    the instance arrays describe are built)."""
    from siteplan.rules import registered

    pm = PlanningModel(inst, objective, budget_capex, budget_opex, area_scope=area_scope, scenario=scenario)
    rules = registered()
    add_sites(pm)
    add_assignments(pm)
    for rule in rules:
        rule.add_vars(pm)
    add_costs(pm)
    for rule in rules:
        rule.add_rows(pm)
    sense = add_objective(pm)
    fc, fconst = facility_cost_vector(pm)
    meta = {"facility_cost": fc, "facility_const": fconst, "objective": Phase(objective)}
    if objective == Objective.MAX_COVERAGE:  # full coverage, for the adaptive route's rule (backends.adaptive)
        meta["coverage_total"] = float(inst.residents.sum())
    model = pm.b.finish(sense=sense, meta=meta)
    return model, pm


def add_coverage_floor(model: Model, pm: PlanningModel, covered: float) -> Model:
    """Phase two of max_coverage: keep coverage >= `covered`, minimise cost instead."""
    import scipy.sparse as sp

    inst = pm.inst
    row = np.zeros(model.n_vars)
    row[pm.x] = inst.residents[inst.pair_c]
    A = sp.vstack([model.A, sp.csr_matrix(row)], format="csr")
    c = np.zeros(model.n_vars)
    cols, vals = pm.capex_terms
    np.add.at(c, cols, vals)
    cols, vals = pm.opex_terms
    np.add.at(c, cols, inst.horizon * vals)
    blocks = dict(model.row_blocks)
    blocks["coverage_floor"] = slice(model.n_rows, model.n_rows + 1)
    return model.replace(name=model.name + "-phase2", c=c, A=A, row_lb=np.append(model.row_lb, covered - 1e-6),
                         row_ub=np.append(model.row_ub, INF), row_blocks=blocks, offset=pm.capex_const,
                         sense="min", meta=dict(model.meta, objective=Phase.MIN_COST_AT_MAX_COVERAGE))
