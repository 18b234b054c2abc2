r"""Several facility types on shared plots (issue 12 item 2): the model side.

`service` (综合服务设施) is today's facility: y_s, a_s, x_p and every other rule. Each further
type t the scenario declares (siteplan.scenario.facility_types: elderly_care 养老, childcare
托育/宝宝屋, canteen 社区食堂, health 社区卫生服务站, ...) gets its own blocks, built only
where they can matter: plots S_t that may host t (sites column `types`, blank = all) and the
pairs P_t ⊆ C × S_t within t's own reach.

Columns (per type t)
    z_ts ∈ {0,1}   type t open on plot s ∈ S_t
    f_ts ≥ 0       its floor area (m²)
    x_tp ∈ {0,1}   committee c served by plot s for type t, p = (c, s) ∈ P_t
    k_ts ∈ {0,1}   plot s holds t's street centre ("1+N"; only with `centres`)
    v_s, v_abs ∈ [0,1]   co-location (only with `co_location`)

Rows
    type_assign    Σ_{p∋c} x_tp = 1                 every committee served by every type in reach
                   (≤ 1 in a timeline year before the last: siteplan.timeline links the years)
    type_link      x_tp ≤ z_ts
    type_area      f_ts ≥ Σ_{p∋s} need_tc · x_tp     need_tc = rate_t(c)/100 · h_c
    type_minarea   f_ts ≥ min_t · z_ts
    type_maxarea   f_ts ≤ amax_s · z_ts
    plot_share     a_s + Σ_r e^r_s + Σ_t f_ts ≤ amax_s        types share the plot's max_area_m2
    type_centre    f_ts ≥ cmin_t · k_ts,  k_ts ≤ z_ts,  Σ_{s ∈ street} k_ts ≥ n_t (streets in scope)
    co_location    saving S once per plot with ≥ 2 types: v_s ≤ Σ_{t≠u} o_ts for every u
                   (o: y_s for service, z_ts otherwise; ≥ 2 open makes every right side ≥ 1,
                   one open makes its own row 0); per pair (a, b): v_abs ≤ o_as, v_abs ≤ o_bs
Costs (pm.cost_terms): capex Σ fixed_ts z_ts + cost_ts f_ts − S v; opex opex_ts f_ts a year.

Why this shape: each type is the service facility's own location block over its own sparse
pairs, so the model grows by one block per type and never by types × all pairs; the shared
plot is one row per plot. The checker side is siteplan/rules/_types_check.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from siteplan.rules.base import Rule
from siteplan.scenario.facility_types import SERVICE, FacilityType, hosts, type_price

ID = "facility_types"


@dataclass
class Block:
    """One type's columns and the data they were built from (model side)."""

    t: FacilityType
    sites: np.ndarray  # plot index per position
    pc: np.ndarray  # pairs: committee index, plot *position*, metres
    pp: np.ndarray
    pd: np.ndarray
    need: np.ndarray  # m² per committee
    fixed: np.ndarray  # per position
    per_m2: np.ndarray
    opex: np.ndarray
    z: np.ndarray
    f: np.ndarray
    x: np.ndarray
    k: np.ndarray | None = None


def need_of(t: FacilityType, com) -> np.ndarray:
    """m² of type t each committee needs (table order): rate by kind or residential area."""
    hh = com["households"].to_numpy(float)
    urban = com["kind"].to_numpy(str) == "urban"
    if "new" in t.rate:
        area = com["residential"].to_numpy(str) if "residential" in com.columns else np.full(len(com), "")
        rate = np.where(area == "new", t.rate["new"], t.rate["built"])
    else:
        rate = np.full(len(com), t.rate["urban"])
    return np.where(urban, rate, t.rate["rural"]) * hh / 100.0


def _blocks(pm) -> list[Block]:
    return pm.data.get(ID, [])


def _pairs(pm, t: FacilityType, ok: np.ndarray):
    from siteplan import distance

    scn, inst = pm.scenario, pm.inst
    reach = np.where(inst.urban, t.reach_m("urban"), t.reach_m("rural"))
    spec = scn.spec.distance_spec
    pc, ps, pd_ = distance.get(spec.method).pairs(scn.tables, reach, spec.circuity)
    keep = ok[ps]
    return pc[keep].astype(np.int64), ps[keep].astype(np.int64), pd_[keep]


class FacilityTypes(Rule):
    id = ID
    order = 87
    tier = "binding"
    names: ClassVar[dict] = {
        "type_coverage": ("各类设施服务覆盖", "Every committee served by each facility type"),
        "type_reach": ("各类设施服务半径", "Facility type within its reach"),
        "type_area": ("各类设施每百户面积", "Facility type floor area per 100 households"),
        "type_min_area": ("各类设施最小面积", "Facility type minimum size"),
        "type_site": ("地块可设置的设施类型", "Plot may host the facility type"),
        "shared_plot_cap": ("同一地块各类设施面积合计上限", "Types on one plot within its max_area_m2"),
        "type_centres": ("街镇综合中心（1+N）", "Centres per street (1+N)")}
    row_blocks = ("type_assign", "type_link", "type_area", "type_minarea", "type_maxarea", "plot_share",
                  "type_centre_area", "type_centre_link", "type_centres", "co_location")

    # ---------------------------------------------------------------- model

    def add_vars(self, pm):
        ts = getattr(pm.scenario, "types", None)
        if ts is None:
            return
        from siteplan.model.build import useful_sites

        inst, sit = pm.inst, pm.scenario.tables.sites
        excluded = sit["excluded"].to_numpy(bool)
        blocks = []
        for t in ts.types:
            ok = hosts(sit, t.name) & ~excluded
            pc, ps, pd_ = _pairs(pm, t, ok)
            sites = np.unique(ps)
            if t.centres is not None:  # a centre may sit on a plot no committee walks to
                sites = np.flatnonzero(ok)
            pos = np.full(inst.n_sites, -1, dtype=np.int64)
            pos[sites] = np.arange(len(sites))
            n = len(sites)
            amax = inst.max_area[sites]
            b = Block(t=t, sites=sites, pc=pc, pp=pos[ps], pd=pd_, need=need_of(t, pm.scenario.tables.committees),
                      fixed=type_price(sit, t, "fixed", "fixed_cost")[sites],
                      per_m2=type_price(sit, t, "per_m2", "cost_per_m2")[sites],
                      opex=type_price(sit, t, "opex_per_m2_year", "opex_per_m2_year")[sites],
                      z=pm.b.add_vars(f"type_open:{t.name}", n, lb=0.0, ub=1.0, integer=True),
                      f=pm.b.add_vars(f"type_area:{t.name}", n, lb=0.0, ub=amax),
                      x=pm.b.add_vars(f"type_assign:{t.name}", len(pc), lb=0.0, ub=1.0, integer=True))
            if t.centres is not None:
                b.k = pm.b.add_vars(f"type_centre:{t.name}", n, lb=0.0, ub=1.0, integer=True)
            pm.cost_terms.append((np.concatenate([b.z, b.f]), np.concatenate([b.fixed, b.per_m2]),
                                  np.concatenate([np.zeros(n), b.opex])))
            blocks.append(b)
        pm.data[ID] = blocks
        self._co_location_vars(pm, ts, blocks, useful_sites(inst))

    def _open_cols(self, pm, blocks, useful) -> dict[str, np.ndarray]:
        """Per type: its open column on each plot (-1 where it cannot open there)."""
        inst, sit = pm.inst, pm.scenario.tables.sites
        o = {SERVICE: np.where(useful & hosts(sit, SERVICE), pm.y, -1)}
        for b in blocks:
            col = np.full(inst.n_sites, -1, dtype=np.int64)
            col[b.sites] = b.z
            o[b.t.name] = col
        return o

    def _co_location_vars(self, pm, ts, blocks, useful):
        if ts.saving is None and not ts.pairs:
            return
        o = self._open_cols(pm, blocks, useful)
        groups = []  # (plots, [types], saving)
        if ts.saving is not None:
            many = np.sum([c >= 0 for c in o.values()], axis=0) >= 2
            groups.append((np.flatnonzero(many), list(o), ts.saving))
        for pair, saving in ts.pairs.items():
            a, b = sorted(pair)
            groups.append((np.flatnonzero((o[a] >= 0) & (o[b] >= 0)), [a, b], saving))
        pm.data[ID + ":colo"] = (o, groups, [pm.b.add_vars(f"co_location:{i}", len(g[0]), lb=0.0, ub=1.0)
                                            for i, g in enumerate(groups)])
        for (plots, _, saving), v in zip(groups, pm.data[ID + ":colo"][2]):
            pm.cost_terms.append((v, np.full(len(v), -saving), np.zeros(len(v))))

    def add_rows(self, pm):
        blocks = _blocks(pm)
        if not blocks:
            return
        inst = pm.inst
        R: dict[str, list] = {k: [] for k in self.row_blocks}  # block -> [(rows, cols, vals, lb, ub, keys)]
        for b in blocks:
            n, m = len(b.sites), len(b.pc)
            k, i = np.arange(m), np.arange(n)
            scn = pm.scenario  # a timeline year before the last may wait, but for kinds due (Scenario.due)
            lb = np.where(np.isin(np.where(inst.urban, "urban", "rural"), scn.due), 1.0, 0.0) if scn.types.partial \
                else 1.0
            R["type_assign"].append((b.pc, b.x, np.ones(m), lb, 1.0, np.arange(inst.n_committees)))
            R["type_link"].append((np.r_[k, k], np.r_[b.x, b.z[b.pp]], np.r_[np.ones(m), -np.ones(m)],
                                   -np.inf, 0.0, b.sites[b.pp]))
            R["type_area"].append((np.r_[i, b.pp], np.r_[b.f, b.x], np.r_[np.ones(n), -b.need[b.pc]],
                                   0.0, np.inf, b.sites))
            R["type_minarea"].append((np.r_[i, i], np.r_[b.f, b.z], np.r_[np.ones(n), -np.full(n, b.t.min_area)],
                                      0.0, np.inf, b.sites))
            R["type_maxarea"].append((np.r_[i, i], np.r_[b.f, b.z], np.r_[np.ones(n), -inst.max_area[b.sites]],
                                      -np.inf, 0.0, b.sites))
            if b.k is not None:
                self._centre_rows(pm, b, R)
        self._share_rows(pm, blocks, R)
        self._colo_rows(pm, R)
        for name, parts in R.items():
            if not parts:
                continue
            off, rows, cols, vals, lbs, ubs, keys = 0, [], [], [], [], [], []
            for r, c, v, lb, ub, key in parts:
                rows.append(np.asarray(r) + off)
                cols.append(c)
                vals.append(v)
                lbs.append(np.broadcast_to(np.asarray(lb, dtype=float), (len(key),)))
                ubs.append(np.broadcast_to(np.asarray(ub, dtype=float), (len(key),)))
                keys.append(key)
                off += len(key)
            kind = "street" if name == "type_centres" else "committee" if name == "type_assign" else "site"
            pm.add_rows(name, (kind, np.concatenate(keys)), np.concatenate(rows), np.concatenate(cols),
                        np.concatenate(vals), lb=np.concatenate(lbs), ub=np.concatenate(ubs))

    def _centre_rows(self, pm, b: Block, R):
        c, k = b.t.centres, b.k
        assert k is not None
        inst = pm.inst
        n, i = len(b.sites), np.arange(len(b.sites))
        R["type_centre_area"].append((np.r_[i, i], np.r_[b.f, k], np.r_[np.ones(n), -np.full(n, c.min_area_m2)],
                                      0.0, np.inf, b.sites))
        R["type_centre_link"].append((np.r_[i, i], np.r_[k, b.z], np.r_[np.ones(n), -np.ones(n)],
                                      -np.inf, 0.0, b.sites))
        streets = street_scope(inst, c.streets)
        sst = inst.site_street[b.sites]
        rows, cols = [], []
        for j, st in enumerate(streets):
            sel = np.flatnonzero(sst == st)
            rows.append(np.full(len(sel), j))
            cols.append(k[sel])
        if len(streets):
            R["type_centres"].append((np.concatenate(rows), np.concatenate(cols), np.ones(sum(map(len, rows))),
                                      float(c.per_street), np.inf, streets))

    def _share_rows(self, pm, blocks, R):
        """a_s + rule floors + Σ_t f_ts ≤ amax_s on every plot a type may use."""
        inst = pm.inst
        plots = np.unique(np.concatenate([b.sites for b in blocks]))
        pos = np.full(inst.n_sites, -1, dtype=np.int64)
        pos[plots] = np.arange(len(plots))
        rows = [pos[plots]] * (1 + len(pm.floor_cols)) + [pos[b.sites] for b in blocks]
        cols = [pm.a[plots], *(fc[plots] for fc in pm.floor_cols), *(b.f for b in blocks)]
        R["plot_share"].append((np.concatenate(rows), np.concatenate(cols), np.ones(sum(map(len, rows))),
                                -np.inf, inst.max_area[plots], plots))

    def _colo_rows(self, pm, R):
        got = pm.data.get(ID + ":colo")
        if got is None:
            return
        o, groups, vs = got
        for (plots, names, _), v in zip(groups, vs):
            j = np.arange(len(plots))
            for u in names:  # v ≤ Σ_{t≠u} o_t  (for a pair: v ≤ o_other)
                rows, cols, vals = [j], [v], [np.ones(len(j))]
                for t in names:
                    if t != u:
                        has = o[t][plots] >= 0
                        rows.append(j[has])
                        cols.append(o[t][plots][has])
                        vals.append(-np.ones(int(has.sum())))
                R["co_location"].append((np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                                         -np.inf, 0.0, plots))

    # ---------------------------------------------------------------- decode and starts

    def decode(self, pm, x, plan, served):
        inst = pm.inst
        for b in _blocks(pm):
            chosen = np.flatnonzero(x[b.x] > 0.5)
            opened = x[b.z] > 0.5
            need = np.bincount(b.pp[chosen], weights=b.need[b.pc[chosen]], minlength=len(b.sites))
            area = np.maximum(x[b.f], np.maximum(need, b.t.min_area))
            if b.k is not None:
                area = np.where(x[b.k] > 0.5, np.maximum(area, b.t.centres.min_area_m2), area)
            area = np.minimum(area, inst.max_area[b.sites])
            plan.type_areas[b.t.name] = {str(inst.site_ids[s]): float(a)
                                         for s, a, on in zip(b.sites, area, opened) if on}
            assign: dict[str, str | None] = {str(c): None for c in inst.committee_ids}
            for p in chosen:
                assign[str(inst.committee_ids[b.pc[p]])] = str(inst.site_ids[b.sites[b.pp[p]]])
            plan.type_assignment[b.t.name] = assign

    def warm_start(self, pm, plan, x):
        inst = pm.inst
        sidx = {str(s): i for i, s in enumerate(inst.site_ids)}
        for b in _blocks(pm):
            pos = np.full(inst.n_sites, -1, dtype=np.int64)
            pos[b.sites] = np.arange(len(b.sites))
            areas = plan.type_areas.get(b.t.name, {})
            for sid, a in areas.items():
                p = pos[sidx[sid]] if sid in sidx else -1
                if p >= 0:
                    x[b.z[p]], x[b.f[p]] = 1.0, a
                    if b.k is not None and a >= b.t.centres.min_area_m2 - 1e-9:
                        x[b.k[p]] = 1.0
            pair = {(int(c), int(p)): q for q, (c, p) in enumerate(zip(b.pc, b.pp))}
            for ci, cid in enumerate(inst.committee_ids):
                sid = plan.type_assignment.get(b.t.name, {}).get(str(cid))
                q = pair.get((ci, int(pos[sidx[sid]]))) if sid in sidx else None
                if q is not None:
                    x[b.x[q]] = 1.0
        got = pm.data.get(ID + ":colo")
        if got is not None:
            o, groups, vs = got
            for (plots, names, _), v in zip(groups, vs):
                opened = np.vstack([np.where(o[t][plots] >= 0, x[np.maximum(o[t][plots], 0)], 0.0) for t in names])
                x[v] = opened.sum(axis=0) - opened.max(axis=0) >= 1 - 1e-9  # two or more open

    def complete_start(self, pm, plan):
        from siteplan.rules._types_start import greedy_types

        return greedy_types(pm, _blocks(pm), plan) if _blocks(pm) else plan

    def shortfall(self, eb):
        """One group per type (its rows sit block after block), so that explain names the type;
        the scales are the whole rule's, as one group had them."""
        if "type_assign" not in eb.pm.row_keys:
            return
        pm = eb.pm
        blocks = _blocks(pm)
        for b in blocks:  # a committee may stay unserved by a type (short by one)
            eb.ub[b.f] = np.inf
        nc = pm.inst.n_committees
        per_block = {"type_uncovered": ("type_assign", [nc] * len(blocks), float(nc * len(blocks))),
                     "type_area": ("type_area", [len(b.sites) for b in blocks],
                                   1.0 + sum(float(b.need.sum()) for b in blocks))}
        if "type_centres" in pm.row_keys:
            per_block["type_centres"] = ("type_centres", [0 if b.k is None else
                                                          len(street_scope(pm.inst, b.t.centres.streets))
                                                          for b in blocks], 1.0)
        for name, (block, sizes, scale) in per_block.items():
            cols, keys = eb.slack_on_rows(block, 1.0), eb.keys(block)
            if cols is None:
                continue
            off = 0
            for b, n in zip(blocks, sizes):
                eb.group(name, self.id, scale, cols[off:off + n], keys[off:off + n], about=b.t.name)
                off += n
        eb.group("plot_share", self.id, float(pm.inst.max_area.sum()) or 1.0,
                 eb.slack_on_rows("plot_share", -1.0), eb.keys("plot_share"))

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain_types import describe_type_shortfall

        return describe_type_shortfall(words, g, vals, hit, _blocks(words.pm))

    def describe_zh(self, group, f, s, pre):
        from siteplan.analysis.explain_types import describe_type_zh

        return describe_type_zh(group, f)

    def prove_infeasible(self, scn, inst, stage=0):
        ts = getattr(scn, "types", None)
        if ts is None or stage != 0:
            return []
        return unreachable(scn, ts)

    # ---------------------------------------------------------------- checker (apart)

    def facility_facts(self, ctx, f):
        from siteplan.rules import _types_check

        _types_check.facility_facts(ctx, f)

    def check(self, ctx, chk):
        from siteplan.rules import _types_check

        _types_check.check(ctx, chk)

    def costs(self, ctx):
        from siteplan.rules import _types_check

        return _types_check.costs(ctx)

    def totals(self, ctx, totals):
        from siteplan.rules import _types_check

        _types_check.totals(ctx, totals)


def street_scope(inst, which: str) -> np.ndarray:
    """Street codes that need a centre: every street with a committee, or with an urban one."""
    sel = inst.urban if which == "urban" else np.ones(inst.n_committees, dtype=bool)
    return np.unique(inst.committee_street[sel])


def unreachable(scn, ts) -> list[str]:
    """Committees no plot that may host a type can reach, streets with no plot large enough
    for their centres: proofs that no plan exists."""
    from siteplan import distance

    t_ = scn.tables
    spec = scn.spec.distance_spec
    kind = distance.get(spec.method)
    com, sit = t_.committees, t_.sites
    urban = com["kind"].to_numpy(str) == "urban"
    out = []
    for t in ts.types:
        reach = np.where(urban, t.reach_m("urban"), t.reach_m("rural"))
        pc, ps, _ = kind.pairs(t_, reach, spec.circuity)
        ok = hosts(sit, t.name) & ~sit["excluded"].to_numpy(bool)
        has = np.zeros(len(com), dtype=bool)
        has[pc[ok[ps]]] = True
        if not has.all():
            ids = com["id"].to_numpy(str)[~has]
            more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
            out.append(f"no plot that may host {t.name} is within its reach "
                       f"({t.reach_m('urban'):g} m) of committee{'s' if len(ids) > 1 else ''} "
                       f"{', '.join(ids[:5])}{more}")
        c = t.centres
        if c is not None:  # "1+N": each street in scope needs plots that can hold its centres
            scope = com if c.streets == "all" else com[urban]
            big = ok & (sit["max_area_m2"].to_numpy(float) >= c.min_area_m2)
            for street in sorted(set(scope["street"])):
                n = int((big & (sit["street"].to_numpy(str) == street)).sum())
                if n < c.per_street:
                    out.append(f"street {street} needs {c.per_street} {t.name} centre(s) of at least "
                               f"{c.min_area_m2:,.0f} m² but has {n} plot(s) that may host one that large")
    return out


RULES = [FacilityTypes()]
