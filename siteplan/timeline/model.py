r"""The timeline model: one ordinary planning model per year, side by side, plus the links.

Why this shape: each year's block is exactly `siteplan.model.build` on that year's scenario
(its households, milestone values and opex budget), so every rule module keeps writing one
period's rows and never learns about years, and a one-year timeline is today's model with
its capex row moved here. Only the rows below are new; they read the blocks' columns by
name (y, a, the rules' floor columns, x), never a rule's internals.

Sets: years i = 0..T-1 (δ_i = (1 + discount_rate)^-(i)), per-year columns y_si, a_si,
floor_si (every rule floor column, e.g. elderly care e_si), x_pi, w_ci, ... The reachable pairs
are the same every year (reach and sites do not change), so x_pi is one column per
reachable pair and year: T times the single-period assignment, nothing dense.

    open_keep    y_si ≤ y_s,i+1                      a site that opens stays open
    floor_keep   a_si ≤ a_s,i+1 (each floor column)  floor area only grows (expansion paid
                                                     at cost_per_m2, as for existing sites)
    assign_keep  x_pi ≤ x_p,i+1                      a served committee keeps its site
                 (reassign: Σ_{p∋c} x_pi ≤ Σ_{p∋c} x_p,i+1: it stays served, maybe elsewhere)
    cover_i      Σ_{c∈k} Σ_{p∋c} x_pi ≥ ⌈share_k,i · n_k⌉   a coverage milestone in year i
    capex_i      C_i − C_{i−1} ≤ B_i                 C_i = capex of what stands in year i
                 (carry_over: C_i ≤ Σ_{j≤i} B_j)     (siteplan.model.costs, cumulative)

Facility types (siteplan/rules/facility_types.py; each year's block has its own z, f, x per
type, over the same plots and pairs every year):
    type_open_keep    z_tsi ≤ z_ts,i+1       type_area_keep  f_tsi ≤ f_ts,i+1
    type_assign_keep  x_tpi ≤ x_tp,i+1       (reassign: per committee and type, as above)
    type_cover_i      Σ_{c∈k} Σ_{p∋c} x_tpi ≥ ⌈share_k,i · n_k⌉   the coverage milestone, per type
    colo_exact_i      o_tsi + o_usi − v_si ≤ 1   the saving is taken in every year two types
                      stand on the plot, so C_i − C_{i−1} is what year i really spends
Before the last year a committee may wait for a type (its type_assign row reads ≤ 1).

C_i is each year's own capex expression (fixed cost of open new sites plus cost per m² of
floor above the existing), so C_i − C_{i−1} is what year i builds. Objectives:
    min_cost      Σ_i δ_i (C_i − C_{i−1}) + Σ_i δ_i O_i     (O_i: year i's opex expression)
                  = Σ_i (δ_i − δ_{i+1}) C_i + Σ_i δ_i O_i   (δ_T = 0)
    max_coverage  Σ_i Σ_p r_ci x_pi  (residents served, summed over the years); a second
                  phase keeps it and minimises the min_cost objective.
Every year before the last may leave committees unserved (its block reads as max_coverage);
under min_cost the last year serves every committee.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from siteplan.instance import Instance, build_instance
from siteplan.kinds import Objective, Phase
from siteplan.model.build import PlanningModel, build_planning_model
from siteplan.model.ir import INF, Model


@dataclass
class TimelineModel:
    """The per-year blocks and where their columns sit in the joint model."""

    scenario: object
    years: tuple[int, ...]
    pms: list[PlanningModel]
    insts: list[Instance]
    models: list[Model]  # each year's own model (workers fixed where free of the opex budget)
    offsets: list[int]  # first joint column of each year's block
    row_offsets: list[int]
    objective: Objective
    #: (columns, coefficients, constant) of the min_cost objective over the joint columns
    cost: tuple[np.ndarray, float]

    def cols(self, i: int, local: np.ndarray) -> np.ndarray:
        return np.asarray(local, dtype=np.int64) + self.offsets[i]

    def capex_expr(self, i: int) -> tuple[np.ndarray, np.ndarray, float]:
        """(joint columns, coefficients, constant) of C_i, the capex of what stands in year i."""
        (c, v), const = self.pms[i].capex_terms, self.pms[i].capex_const
        return self.cols(i, c), v, const

    def opex_expr(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        c, v = self.pms[i].opex_terms
        return self.cols(i, c), v

    def floors(self, i: int) -> list[np.ndarray]:
        pm = self.pms[i]
        return [self.cols(i, f) for f in (pm.a, *pm.floor_cols)]

    def block(self, x: np.ndarray, i: int) -> np.ndarray:
        """Year i's part of a joint solution vector (its own model's column order)."""
        return x[self.offsets[i]: self.offsets[i] + self.models[i].n_vars]


class _Rows:
    """Linking rows in coordinate form, appended below the stacked blocks."""

    def __init__(self, start: int):
        self.start = start
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.blocks: dict[str, slice] = {}
        self.n = 0

    def add(self, name: str, n: int, rows, cols, vals, *, lb=-INF, ub=INF) -> None:
        if n == 0:
            return
        self.r.append(np.asarray(rows, dtype=np.int64) + self.n)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.broadcast_to(np.asarray(vals, dtype=float), np.shape(rows)).copy())
        self.lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self.blocks[name] = slice(self.start + self.n, self.start + self.n + n)
        self.n += n

    def pairwise(self, name: str, a: np.ndarray, b: np.ndarray) -> None:
        """a_k − b_k ≤ 0 for every k."""
        k = np.arange(len(a))
        self.add(name, len(a), np.concatenate([k, k]), np.concatenate([a, b]),
                 np.concatenate([np.ones(len(a)), -np.ones(len(b))]), ub=0.0)


def year_blocks(scn, upto: int | None = None) -> TimelineModel:
    """Build each year's ordinary model (years 0..upto), unstacked."""
    from siteplan.pipeline import fix_workers

    tl = scn.timeline
    n = len(tl.years) if upto is None else upto + 1
    pms, insts, models = [], [], []
    for scn_i in tl.scenarios[:n]:
        inst = build_instance(scn_i)
        model, pm = build_planning_model(inst, scn_i.spec.objective, scn_i.standards.area_scope, None,
                                         scn_i.spec.budget.opex_per_year, scenario=scn_i)
        models.append(fix_workers(scn_i, inst, model, pm))
        pms.append(pm)
        insts.append(inst)
    for inst in insts[1:]:
        same = (np.array_equal(inst.pair_c, insts[0].pair_c) and np.array_equal(inst.pair_s, insts[0].pair_s))
        assert same, "reachable pairs differ between years (reach and sites are the same every year)"
    offsets = np.concatenate([[0], np.cumsum([m.n_vars for m in models])]).astype(int).tolist()
    rows = np.concatenate([[0], np.cumsum([m.n_rows for m in models])]).astype(int).tolist()
    return TimelineModel(scenario=scn, years=tl.years[:n], pms=pms, insts=insts, models=models,
                         offsets=offsets[:-1], row_offsets=rows[:-1], objective=Objective(scn.spec.objective),
                         cost=(np.zeros(0), 0.0))


def _links(tm: TimelineModel, rows: _Rows) -> None:
    tl = tm.scenario.timeline  # type: ignore[attr-defined]
    T = len(tm.years)
    inst0 = tm.insts[0]
    for i in range(T - 1):
        y = tm.years[i]
        rows.pairwise(f"open_keep@{y}", tm.cols(i, tm.pms[i].y), tm.cols(i + 1, tm.pms[i + 1].y))
        for k, (fa, fb) in enumerate(zip(tm.floors(i), tm.floors(i + 1))):
            rows.pairwise(f"floor_keep{k}@{y}", fa, fb)
        xa, xb = tm.cols(i, tm.pms[i].x), tm.cols(i + 1, tm.pms[i + 1].x)
        if not tl.reassign:
            rows.pairwise(f"assign_keep@{y}", xa, xb)
        else:
            pc = inst0.pair_c
            rows.add(f"assign_keep@{y}", inst0.n_committees, np.concatenate([pc, pc]), np.concatenate([xa, xb]),
                     np.concatenate([np.ones(len(xa)), -np.ones(len(xb))]), ub=0.0)
    _type_links(tm, rows)
    for i, scn_i in enumerate(tl.scenarios[:T]):
        if "coverage" not in tl.milestones or scn_i.spec.objective != Objective.MAX_COVERAGE:
            continue  # no milestone, or every committee is served by the assign rows
        share = scn_i.standards.coverage or {}
        inst = tm.insts[i]
        for kind, mask in (("urban", inst.urban), ("rural", ~inst.urban)):
            need = int(np.ceil(float(share.get(kind, 0.0)) * int(mask.sum()) - 1e-9))
            if need <= 0:
                continue
            sel = np.flatnonzero(mask[inst.pair_c])
            rows.add(f"cover_{kind}@{tm.years[i]}", 1, np.zeros(len(sel)), tm.cols(i, tm.pms[i].x[sel]), 1.0,
                     lb=float(need))
    for i in range(T):
        cap = tl.capex_cap(i)
        if cap is None:
            continue
        c, v, const = tm.capex_expr(i)
        if tl.carry_over or i == 0:
            rows.add(f"capex@{tm.years[i]}", 1, np.zeros(len(c)), c, v, ub=cap - const)
        else:
            c0, v0, const0 = tm.capex_expr(i - 1)
            rows.add(f"capex@{tm.years[i]}", 1, np.zeros(len(c) + len(c0)), np.concatenate([c, c0]),
                     np.concatenate([v, -v0]), ub=cap - const + const0)


def _type_links(tm: TimelineModel, rows: _Rows) -> None:
    """The facility types' keep-open, keep-area, keep-assignment, milestone and saving rows."""
    tl = tm.scenario.timeline  # type: ignore[attr-defined]
    T = len(tm.years)
    blocks: list[list[Any]] = [cast(list, pm.data.get("facility_types", [])) for pm in tm.pms]
    if not blocks[0]:
        return
    for i in range(T - 1):
        y = tm.years[i]
        for a, b in zip(blocks[i], blocks[i + 1]):
            name = a.t.name
            rows.pairwise(f"type_open_keep:{name}@{y}", tm.cols(i, a.z), tm.cols(i + 1, b.z))
            rows.pairwise(f"type_area_keep:{name}@{y}", tm.cols(i, a.f), tm.cols(i + 1, b.f))
            xa, xb = tm.cols(i, a.x), tm.cols(i + 1, b.x)
            if not tl.reassign:
                rows.pairwise(f"type_assign_keep:{name}@{y}", xa, xb)
            else:
                rows.add(f"type_assign_keep:{name}@{y}", tm.insts[0].n_committees, np.concatenate([a.pc, a.pc]),
                         np.concatenate([xa, xb]), np.concatenate([np.ones(len(xa)), -np.ones(len(xb))]), ub=0.0)
    for i in range(T):
        y, inst = tm.years[i], tm.insts[i]
        share = (tl.scenarios[i].standards.coverage or {}) if "coverage" in tl.milestones else {}
        for b in blocks[i]:
            for kind, mask in (("urban", inst.urban), ("rural", ~inst.urban)):
                need = int(np.ceil(float(share.get(kind, 0.0)) * int(mask.sum()) - 1e-9))
                if need > 0:
                    sel = np.flatnonzero(mask[b.pc])
                    rows.add(f"type_cover_{kind}:{b.t.name}@{y}", 1, np.zeros(len(sel)), tm.cols(i, b.x[sel]), 1.0,
                             lb=float(need))
        colo = tm.pms[i].data.get("facility_types:colo")
        if colo is None:
            continue
        o, groups, vs = cast(tuple[dict, list, list], colo)
        for (plots, names, _), v in zip(groups, vs):
            for t, u in itertools.combinations(names, 2):
                ot, ou = o[t][plots], o[u][plots]
                k = np.flatnonzero((ot >= 0) & (ou >= 0))
                j = np.arange(len(k))
                rows.add(f"colo_exact:{t}:{u}@{y}", len(k), np.concatenate([j, j, j]),
                         tm.cols(i, np.concatenate([ot[k], ou[k], v[k]])),
                         np.concatenate([np.ones(len(k)), np.ones(len(k)), -np.ones(len(k))]), ub=1.0)


def cost_vector(tm: TimelineModel, n: int) -> tuple[np.ndarray, float, np.ndarray]:
    """(total discounted cost coefficients, constant, its facility part) over n joint columns."""
    tl = tm.scenario.timeline  # type: ignore[attr-defined]
    T = len(tm.years)
    d = [tl.discount(y) for y in tm.years] + [0.0]
    c, fc = np.zeros(n), np.zeros(n)
    const = 0.0
    for i in range(T):
        w = d[i] - d[i + 1]
        cols, vals, k = tm.capex_expr(i)
        np.add.at(c, cols, w * vals)
        np.add.at(fc, cols, w * vals)
        const += w * k
        cols, vals = tm.opex_expr(i)
        np.add.at(c, cols, d[i] * vals)
        inst = tm.insts[i]
        for f in tm.floors(i):
            np.add.at(fc, f, d[i] * inst.opex_per_m2)
    return c, const, fc


def stack(tm: TimelineModel) -> Model:
    """The joint model: the year blocks on the diagonal, the links below, the objective."""
    ms = tm.models
    n = sum(m.n_vars for m in ms)
    n_rows = sum(m.n_rows for m in ms)
    rows = _Rows(n_rows)
    _links(tm, rows)
    link = (sp.csr_matrix((np.concatenate(rows.v), (np.concatenate(rows.r), np.concatenate(rows.c))),
                          shape=(rows.n, n)) if rows.n else sp.csr_matrix((0, n)))
    A = sp.vstack([sp.block_diag([m.A for m in ms], format="csr"), link], format="csr")
    var_blocks, row_blocks = {}, {}
    for i, m in enumerate(ms):
        for name, sl in m.var_blocks.items():
            var_blocks[f"{name}@{tm.years[i]}"] = slice(sl.start + tm.offsets[i], sl.stop + tm.offsets[i])
        for name, sl in m.row_blocks.items():
            row_blocks[f"{name}@{tm.years[i]}"] = slice(sl.start + tm.row_offsets[i], sl.stop + tm.row_offsets[i])
    row_blocks.update(rows.blocks)
    cost, const, fc = cost_vector(tm, n)
    tm.cost = (cost, const)
    if tm.objective == Objective.MAX_COVERAGE:
        c = np.zeros(n)
        for i, inst in enumerate(tm.insts):
            np.add.at(c, tm.cols(i, tm.pms[i].x), -inst.residents[inst.pair_c].astype(float))
        sense, offset, phase = "max", 0.0, Phase.MAX_COVERAGE
    else:
        c, sense, offset, phase = cost, "min", const, Phase.MIN_COST
    cat = np.concatenate
    return Model(name=f"siteplan-timeline-{tm.objective}", c=c, lb=cat([m.lb for m in ms]),
                 ub=cat([m.ub for m in ms]), integer=cat([m.integer for m in ms]), A=A,
                 row_lb=cat([*(m.row_lb for m in ms), *rows.lb]), row_ub=cat([*(m.row_ub for m in ms), *rows.ub]),
                 var_blocks=var_blocks, row_blocks=row_blocks, offset=offset, sense=sense,
                 meta={"facility_cost": fc, "facility_const": const, "objective": phase,
                       "years": list(tm.years)})


def build_timeline_model(scn, upto: int | None = None) -> tuple[Model, TimelineModel]:
    """The joint model of years 0..upto (all by default) and its year blocks."""
    tm = year_blocks(scn, upto)
    return stack(tm), tm


def coverage_phase(model: Model, tm: TimelineModel, covered: float) -> Model:
    """max_coverage's second phase: keep the residents-years served, minimise discounted cost."""
    row = -model.c  # the coverage objective, as a row
    A = sp.vstack([model.A, sp.csr_matrix(row)], format="csr")
    cost, const = tm.cost
    blocks = dict(model.row_blocks, coverage_floor=slice(model.n_rows, model.n_rows + 1))
    return model.replace(name=model.name + "-phase2", c=cost, A=A, row_lb=np.append(model.row_lb, covered - 1e-6),
                         row_ub=np.append(model.row_ub, INF), row_blocks=blocks, offset=const, sense="min",
                         meta=dict(model.meta, objective=Phase.MIN_COST_AT_MAX_COVERAGE))
