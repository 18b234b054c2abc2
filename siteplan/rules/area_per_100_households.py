"""Floor area per 100 households: a facility (or, with area_scope street, each street's
facilities together) has at least rate_kind / 100 m² for each household it serves
(national 专栏1 #3: ≥30; Shenyang 五(十一): urban 40, rural 30).

Model, facility scope (rows `area`, one per site):
    a_s ≥ Σ_{p∋s} need_c · x_p                 need_c = rate_kind(c) / 100 · h_c
street scope (rows `area_street`, one per street t):
    Σ_{s∈t} a_s ≥ Σ_{c∈t} need_c              (max_coverage: need of the covered c only)
Elastic: one shortfall per row. The checker recomputes each facility's need from the
committees it serves (facility scope) or each street's need from its committees.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import numpy as np
from pydantic import AfterValidator

from siteplan.kinds import AreaScope, Objective
from siteplan.rules.base import AREA_TOL, ByKind, Rule, by_kind_override, leq, n_zh, non_negative


def _rate_text(rates: dict) -> str:
    vals = sorted(set(rates.values()))
    return f"{vals[0]:g}" if len(vals) == 1 else " / ".join(f"{k} {v:g}" for k, v in rates.items())


def _need_over_caps(scn, inst) -> list[str]:
    """A committee (facility scope) or a street (street scope) needs more floor area than the
    plots in reach allow."""
    from siteplan.checks import names

    reasons = []
    if scn.standards.area_scope == AreaScope.FACILITY and inst.n_pairs and scn.spec.objective != Objective.MAX_COVERAGE:
        cap = np.full(inst.n_committees, -1.0)
        np.maximum.at(cap, inst.pair_c, inst.max_area[inst.pair_s])
        short = np.flatnonzero((cap >= 0) & (inst.area_need > cap + 1e-9))
        if len(short):
            c = short[0]
            reasons.append(f"committee{'s' if len(short) > 1 else ''} {names(inst.committee_ids[short])} "
                           f"need{'s' if len(short) == 1 else ''} {inst.area_need[c]:,.0f} m² (for {inst.households[c]:,} "
                           f"households) but no site within reach allows more than {cap[c]:,.0f} m²")
    if scn.standards.area_scope == AreaScope.STREET and scn.spec.objective != Objective.MAX_COVERAGE:
        n_t = len(inst.streets)
        need = np.bincount(inst.committee_street, weights=inst.area_need, minlength=n_t)
        usable = ~inst.excluded
        cap = np.bincount(inst.site_street[usable], weights=inst.max_area[usable], minlength=n_t)
        for t in np.flatnonzero(need > cap + 1e-9)[:5]:
            reasons.append(f"street {inst.streets[t]} needs {need[t]:,.0f} m² of facilities but its sites "
                           f"allow at most {cap[t]:,.0f} m²")
    return reasons




def _capacity_flow(scn, inst) -> list[str]:
    """Max-flow proof: committees whose reachable plots cannot hold their need together.

    Even splitting committees across sites (weaker than the model's single site), the
    floor area that plots in reach allow must cover every committee's need. The committees
    left on the source side of a minimum cut are a set that provably cannot be housed.
    """
    if scn.standards.area_scope != AreaScope.FACILITY or scn.spec.objective == Objective.MAX_COVERAGE or not inst.n_pairs:
        return []
    import scipy.sparse as sp
    from scipy.sparse.csgraph import maximum_flow

    from siteplan.checks import names

    n_c, n_s = inst.n_committees, inst.n_sites
    src, sink = n_c + n_s, n_c + n_s + 1
    demand = np.floor(inst.area_need).astype(np.int64)  # rounding down keeps the proof valid
    cap = np.ceil(np.where(inst.excluded, 0.0, inst.max_area)).astype(np.int64)
    big = int(demand.sum()) + 1
    rows = np.concatenate([np.full(n_c, src), inst.pair_c, n_c + np.arange(n_s)])
    cols = np.concatenate([np.arange(n_c), n_c + inst.pair_s, np.full(n_s, sink)])
    caps = np.concatenate([demand, np.full(inst.n_pairs, big), cap])
    g = sp.csr_matrix((caps.astype(np.int32) if big < 2**31 else caps, (rows, cols)),
                      shape=(n_c + n_s + 2, n_c + n_s + 2))
    g.sum_duplicates()
    res = maximum_flow(g, src, sink)
    short = int(demand.sum()) - int(res.flow_value)
    if short <= 0:
        return []
    # committees still reachable from the source in the residual graph form the deficient set
    flow = res.flow.tocsr()
    resid = (g - flow).tocsr()
    resid.data = np.where(resid.data > 0, 1, 0)
    resid.eliminate_zeros()
    back = (-flow).tocsr()
    back.data = np.where(back.data > 0, 1, 0)
    back.eliminate_zeros()
    from scipy.sparse.csgraph import breadth_first_order

    reach_set = breadth_first_order((resid + back).tocsr(), src, return_predecessors=False)
    deficient = np.array(sorted(int(v) for v in reach_set if v < n_c), dtype=np.int64)
    sites = np.unique(inst.pair_s[np.isin(inst.pair_c, deficient)])
    return [(f"committees {names(inst.committee_ids[deficient])} need {inst.area_need[deficient].sum():,.0f} m² "
            f"together, but the plots within their reach ({names(inst.site_ids[sites])}) allow only "
            f"{inst.max_area[sites].sum():,.0f} m² (short by at least {short:,} m²)")]


class AreaPer100Households(Rule):
    id = "area_per_100_households"
    order = 60
    names: ClassVar[dict] = {"area_per_100_households": ("每百户居民拥有社区综合服务设施面积", "Facility floor area per 100 households")}
    nudge_labels: ClassVar[dict] = {
        "area_per_100_households": ("每百户设施面积 +1 m²", "+1 m² per 100 households"),
    }
    notes_zh: ClassVar[dict] = {r"achieved = city m² per 100 covered households": lambda m: "实现值 = 全市每百户（已覆盖）设施面积",
                r"serves ([\d,]+) households": lambda m: f"服务{n_zh(m[1])}户",
                r"m² of facilities in the street vs its households' need": lambda m: "街道内设施面积与其住户所需面积对比"}
    row_blocks = ("area", "area_street")
    schema = Annotated[float | ByKind, AfterValidator(non_negative)]

    def resolve(self, value, given, preset_value):
        return by_kind_override(value, given, preset_value, self.id, ("urban", "rural"))

    # ---------------------------------------------------------------- model

    def add_rows(self, pm):
        inst = pm.inst
        need_p = inst.area_need[inst.pair_c]
        if pm.area_scope == AreaScope.FACILITY:
            s_rows = np.arange(inst.n_sites)
            pm.add_rows("area", ("site", s_rows), np.concatenate([s_rows, inst.pair_s]),
                        np.concatenate([pm.a, pm.x]), np.concatenate([np.ones(inst.n_sites), -need_p]), lb=0.0)
            return
        n_t = len(inst.streets)
        rows, cols, vals = [inst.site_street], [pm.a], [np.ones(inst.n_sites)]
        if pm.objective == Objective.MAX_COVERAGE:
            rows.append(inst.committee_street[inst.pair_c])
            cols.append(pm.x)
            vals.append(-need_p)
            rhs = np.zeros(n_t)
        else:
            rhs = np.bincount(inst.committee_street, weights=inst.area_need, minlength=n_t)
        pm.add_rows("area_street", ("street", np.arange(n_t)), np.concatenate(rows), np.concatenate(cols),
                    np.concatenate(vals), lb=rhs)

    def shortfall(self, eb):
        total_need = float(eb.inst.area_need.sum()) or 1.0
        for block in ("area", "area_street"):
            if block in eb.pm.row_keys:
                eb.group("area", self.id, total_need, eb.slack_on_rows(block, 1.0), eb.keys(block))

    # ---------------------------------------------------------------- words

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain import _ids

        inst, scn, plan, f = words.inst, words.scn, words.plan, words.facts
        keys = g.keys[hit]
        total = float(vals.sum())
        rate = _rate_text(scn.standards.area_rate)
        per100 = words.ev.totals.get("area_per_100_households")
        if scn.standards.area_scope == AreaScope.STREET:
            streets = [str(inst.streets[k]) for k in keys]
            items = [f"{s} short {v:,.0f} m²" for s, v in zip(streets, vals[hit])]
            f["items"] = [[s, round(float(v), 1)] for s, v in zip(streets, vals[hit])]
            where, ids = f"streets: {_ids(items, 5)}", streets
        else:
            sids = [str(inst.site_ids[k]) for k in keys]
            need = {fac["site_id"]: fac["area_need_m2"] for fac in words.ev.facilities}
            items = [f"{s} {plan.areas.get(s, 0):,.0f} of {need.get(s, 0):,.0f} m²" for s in sids]
            f["items"] = [[s, round(plan.areas.get(s, 0), 1), need.get(s, 0)] for s in sids]
            where, ids = _ids(items, 5), sids
        city_short = per100 is not None and per100 < min(scn.standards.area_rate.values()) - 1e-9
        f.update(total=round(total, 1), rate=rate, per100=per100, scope=scn.standards.area_scope,
                 city_short=city_short)
        text = (f"{words.budget_context()}facilities get {total:,.0f} m² less floor area than {rate} m² per "
                f"100 households needs ({where})")
        if city_short:
            text += f"; the city reaches {per100:.1f} m² per 100 households, not {rate}"
        return text, total, "m²", ids

    def describe_zh(self, group, f, s, pre):
        from siteplan.report.words_zh import _ids

        f = dict(f, rate=str(f["rate"]).replace("urban", "城镇").replace("rural", "农村"))
        if f.get("scope") == AreaScope.STREET:
            items = [f"{t}缺{v:,.0f}平方米" for t, v in f["items"]]
        else:
            items = [f"{sid} {have:,.0f}/{need:,.0f}平方米" for sid, have, need in f["items"]]
        text = f"{pre}设施面积比每百户{f['rate']}平方米的要求少{f['total']:,.0f}平方米（{_ids(items, 5)}）"
        if f.get("per100") is not None and s.get("amount", 0) > 0 and f.get("city_short"):
            text += f"；全市每百户{f['per100']:.1f}平方米，未达到{f['rate']}"
        return text

    # ---------------------------------------------------------------- binding

    def nudges(self, scn):
        from siteplan.analysis.binding import Nudge

        rate = dict(scn.standards.area_rate)
        more = {k: x + 1 for k, x in rate.items()}
        return [Nudge("area_per_100_households", "m² per 100 households",
                      {"standards.area_per_100_households": more}, rate, more, 1, "m²/100 hh")]

    def at_limit(self, key, scn, ev):
        if scn.standards.area_scope == AreaScope.STREET:
            rows = [r for r in ev.compliance if r["rule"] == key and r["scope"].startswith("street:")]
            return any(float(r["achieved"]) <= float(r["required"]) * (1 + 1e-4) + 1e-3 for r in rows)
        return any(f["area_m2"] <= f["area_need_m2"] * (1 + 1e-6) + 1e-3 and f["area_need_m2"] > 0
                   for f in ev.facilities)

    # ---------------------------------------------------------------- checker

    @staticmethod
    def _need(ctx, rows) -> float:
        need = 0.0
        for row in rows:
            need += ctx.st.area_rate[row.kind] * row.households / 100.0
        return need

    def facility_facts(self, ctx, f):
        f["area_need_m2"] = round(self._need(ctx, ctx.members[f["site_id"]]), 3)

    def check(self, ctx, chk):
        st, plan = ctx.st, ctx.plan
        if st.area_scope == AreaScope.STREET:
            street_area: dict[str, float] = {}
            for f in ctx.facilities:
                street_area[f["street"]] = street_area.get(f["street"], 0.0) + f["area_m2"]
            street_need: dict[str, float] = {}
            for c in ctx.committees:
                if c["site_id"] is not None:
                    street_need[c["street"]] = (street_need.get(c["street"], 0.0)
                                                + st.area_rate[c["kind"]] * c["households"] / 100)
            for street, need in sorted(street_need.items()):
                have = street_area.get(street, 0.0)
                chk.add("area_per_100_households", f"street:{street}", round(need, 2), round(have, 2),
                        leq(need, have, AREA_TOL), note="m² of facilities in the street vs its households' need")
            return
        for f in ctx.facilities:
            sid = f["site_id"]
            need = self._need(ctx, ctx.members[sid])
            if not leq(need, plan.areas[sid], AREA_TOL):
                chk.add("area_per_100_households", f"facility:{sid}", round(need, 3), plan.areas[sid], False,
                        note=f"serves {f['served_households']:,} households")
        covered_hh = sum(c["households"] for c in ctx.committees if c["site_id"] is not None)
        total_area = sum(plan.areas.get(f["site_id"], 0.0) for f in ctx.facilities)
        fac_ok = [leq(f["area_need_m2"], f["area_m2"], AREA_TOL) for f in ctx.facilities]
        chk.summary("area_per_100_households", "facilities", fac_ok,
                    round(100 * total_area / covered_hh, 2) if covered_hh else None,
                    st.area_rate, note="achieved = city m² per 100 covered households")


    proof_stages = (0, 1)

    def prove_infeasible(self, scn, inst, stage=0):
        return _need_over_caps(scn, inst) if stage == 0 else _capacity_flow(scn, inst)


class AreaScopeRule(Rule):
    """Where the area rule is counted: per facility, or per street (Shanghai 三(三)1 以街镇为单位)."""

    id = "area_scope"
    order = 61
    names: ClassVar[dict] = {"area_scope": ("面积核算范围", "Where floor area is counted")}
    schema = AreaScope

    def resolve(self, value, given, preset_value):
        return AreaScope(value)


RULES = [AreaPer100Households(), AreaScopeRule()]
