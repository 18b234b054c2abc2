r"""The planning model: which sites open, how large, who they serve, how many workers.

Built from sparse arrays of the reachable (committee, site) pairs P only; no dense
committee x site matrix is ever formed. Each `add_*` function below adds one block; the
list in `build_planning_model` is the formulation.

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
from siteplan.model.ir import INF, Model, ModelBuilder


class PlanningModel:
    """The built model plus the column indices needed to decode a solution."""

    def __init__(self, inst: Instance, objective: str, budget_capex, budget_opex):
        self.inst = inst
        self.objective = objective
        self.budget_capex = budget_capex
        self.budget_opex = budget_opex
        self.b = ModelBuilder(f"siteplan-{objective}")
        self.y = self.a = self.x = self.w = self.n = None
        self.capex_terms: tuple[np.ndarray, np.ndarray] | None = None
        self.opex_terms: tuple[np.ndarray, np.ndarray] | None = None
        self.capex_const = 0.0


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
    eq = 1.0 if pm.objective != "max_coverage" else -INF
    pm.b.add_rows("assign", inst.n_committees, inst.pair_c, pm.x, 1.0, lb=eq, ub=1.0)
    k = np.arange(inst.n_pairs)
    pm.b.add_rows("link", inst.n_pairs, np.concatenate([k, k]),
                  np.concatenate([pm.x, pm.y[inst.pair_s]]),
                  np.concatenate([np.ones(inst.n_pairs), -np.ones(inst.n_pairs)]), ub=0.0)


def add_area_bounds(pm: PlanningModel) -> None:
    inst = pm.inst
    s = np.flatnonzero((inst.min_area > inst.existing_area) & useful_sites(inst))
    i = np.arange(len(s))
    pm.b.add_rows("minarea", len(s), np.concatenate([i, i]), np.concatenate([pm.a[s], pm.y[s]]),
                  np.concatenate([np.ones(len(s)), -inst.min_area[s]]), lb=0.0)
    s = np.flatnonzero(useful_sites(inst) & ~(inst.existing | inst.required))
    i = np.arange(len(s))
    pm.b.add_rows("maxarea", len(s), np.concatenate([i, i]), np.concatenate([pm.a[s], pm.y[s]]),
                  np.concatenate([np.ones(len(s)), -inst.max_area[s]]), ub=0.0)


def add_area_rule(pm: PlanningModel, scope: str) -> None:
    inst = pm.inst
    need_p = inst.area_need[inst.pair_c]
    if scope == "facility":
        s_rows = np.arange(inst.n_sites)
        pm.b.add_rows("area", inst.n_sites, np.concatenate([s_rows, inst.pair_s]),
                      np.concatenate([pm.a, pm.x]),
                      np.concatenate([np.ones(inst.n_sites), -need_p]), lb=0.0)
        return
    n_t = len(inst.streets)
    rows = [inst.site_street]
    cols = [pm.a]
    vals = [np.ones(inst.n_sites)]
    if pm.objective == "max_coverage":
        rows.append(inst.committee_street[inst.pair_c])
        cols.append(pm.x)
        vals.append(-need_p)
        rhs = np.zeros(n_t)
    else:
        rhs = np.bincount(inst.committee_street, weights=inst.area_need, minlength=n_t)
    pm.b.add_rows("area_street", n_t, np.concatenate(rows), np.concatenate(cols),
                  np.concatenate(vals), lb=rhs)


def add_workers(pm: PlanningModel) -> None:
    inst = pm.inst
    pm.w = pm.b.add_vars("workers", inst.n_committees, lb=inst.band_min.astype(float),
                         ub=inst.band_max.astype(float), integer=True)
    u = np.flatnonzero(inst.urban)
    need = inst.required_workers
    if need > 0 and len(u):
        pm.b.add_rows("density", 1, np.zeros(len(u), dtype=np.int64), pm.w[u], 1.0,
                      lb=np.ceil(need - 1e-9))


def add_windows(pm: PlanningModel) -> None:
    inst = pm.inst
    if not inst.residents_per_window:
        return
    pm.n = pm.b.add_vars("windows", inst.n_sites, lb=0.0,
                         ub=np.where(useful_sites(inst), INF, 0.0), integer=True)
    s_rows = np.arange(inst.n_sites)
    pm.b.add_rows("windows", inst.n_sites, np.concatenate([s_rows, inst.pair_s]),
                  np.concatenate([pm.n, pm.x]),
                  np.concatenate([np.full(inst.n_sites, float(inst.residents_per_window)),
                                  -inst.residents[inst.pair_c].astype(float)]), lb=0.0)


def add_costs(pm: PlanningModel) -> None:
    """Capex and opex as linear expressions (columns, coefficients) and their budget rows."""
    inst = pm.inst
    fixed = np.where(inst.existing, 0.0, inst.fixed_cost)
    pm.capex_terms = (np.concatenate([pm.y, pm.a]), np.concatenate([fixed, inst.cost_per_m2]))
    pm.capex_const = -float(inst.cost_per_m2 @ inst.existing_area)
    cols = [pm.a, pm.w]
    vals = [inst.opex_per_m2, np.full(inst.n_committees, inst.worker_cost)]
    if pm.n is not None:
        cols += [pm.n, pm.y]
        vals += [np.full(inst.n_sites, inst.worker_cost),
                 np.full(inst.n_sites, inst.worker_cost * inst.window_extra_staff)]
    pm.opex_terms = (np.concatenate(cols), np.concatenate(vals))
    if pm.budget_capex is not None:
        c, v = pm.capex_terms
        pm.b.add_rows("budget_capex", 1, np.zeros(len(c), dtype=np.int64), c, v,
                      ub=pm.budget_capex - pm.capex_const)
    if pm.budget_opex is not None:
        c, v = pm.opex_terms
        pm.b.add_rows("budget_opex", 1, np.zeros(len(c), dtype=np.int64), c, v, ub=pm.budget_opex)


def add_objective(pm: PlanningModel) -> str:
    inst = pm.inst
    if pm.objective == "min_cost":
        c, v = pm.capex_terms
        pm.b.add_cost(c, v)
        c, v = pm.opex_terms
        pm.b.add_cost(c, inst.horizon * v)
        pm.b.offset = pm.capex_const
        return "min"
    if pm.objective == "min_distance":
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
    np.add.at(c, pm.a, inst.horizon * inst.opex_per_m2)
    return c, pm.capex_const


def build_planning_model(inst: Instance, objective: str, area_scope: str,
                         budget_capex: float | None, budget_opex: float | None) -> tuple[Model, PlanningModel]:
    """The formulation in the module docstring, block by block."""
    pm = PlanningModel(inst, objective, budget_capex, budget_opex)
    add_sites(pm)
    add_assignments(pm)
    add_area_bounds(pm)
    add_area_rule(pm, area_scope)
    add_workers(pm)
    add_windows(pm)
    add_costs(pm)
    sense = add_objective(pm)
    fc, fconst = facility_cost_vector(pm)
    model = pm.b.finish(sense=sense, meta={"facility_cost": fc, "facility_const": fconst,
                                           "objective": objective})
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
                         sense="min", meta=dict(model.meta, objective="min_cost_at_max_coverage"))
