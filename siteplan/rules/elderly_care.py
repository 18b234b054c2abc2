"""Elderly-care floor area per 100 households (Shenyang 专栏4 #5 品质养老专项行动):

    按照新建居住区每百户配建社区居家养老服务设施建筑面积不低于35平方米、已建成居住区每百户
    配建社区居家养老服务设施建筑面积不低于25平方米标准 ... 构建城市社区"一刻钟"养老服务圈

Reading: each urban committee's households need home-and-community elderly-care floor area at
the facility that serves them: 35 m² per 100 households in a new residential area, 25 in a
built one. Which one a committee is comes from an optional committees column `residential`
(new | built); a committee without it (or a blank cell) counts as built: the households a
committees table counts live in built areas today, so "new" is the exception a planner marks.
Rural committees are not 居住区 and the clause builds an urban 15-minute circle: rate 0.

The care space is a floor area of its own (a 社区居家养老服务设施 is not the 综合服务设施's
floor area), built on the serving facility's plot and costed like its floor area.

Model (columns e_s ≥ 0 for each site, rows `elderly_care`, one per site):
    e_s ≥ Σ_{p∋s} care_c · x_p                 care_c = rate_{residential(c)} / 100 · h_c (urban)
and e_s joins a_s in the plot cap (a_s + e_s ≤ amax_s · y_s) and in capex and opex.
Elastic: one shortfall per row. Checker: each open facility's `elderly_care_area_m2` (a
plan.json field) against the care need of the committees it serves, recomputed from the
committees table.

Off unless a scenario turns it on (`standards.elderly_care_area_per_100_households: true`,
or {new: .., built: ..}): the Shenyang preset states it `opt_in`, so Shenyang scenarios
planned before it keep their plans.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import AfterValidator

from siteplan.rules.base import AREA_TOL, Rule, leq, n_zh, non_negative

FIELD = "elderly_care_area_m2"
COLUMN = "residential"
DEFAULT_AREA = "built"  # a committee without a `residential` value


def _rates(setting: dict, com) -> np.ndarray:
    """m² per 100 households for each committee (table order): by `residential`, urban only."""
    kinds = com[COLUMN].to_numpy(str) if COLUMN in com.columns else np.full(len(com), "")
    kinds = np.where(kinds == "", DEFAULT_AREA, kinds)
    rate = np.array([setting[k] for k in kinds], dtype=float)
    return np.where(com["kind"].to_numpy(str) == "urban", rate, 0.0)


class ElderlyCare(Rule):
    id = "elderly_care_area_per_100_households"
    order = 85
    names: ClassVar[dict] = {"elderly_care_area_per_100_households": (
        "每百户配建社区居家养老服务设施建筑面积", "Elderly-care floor area per 100 households")}
    nudge_labels: ClassVar[dict] = {"elderly_care_area_per_100_households": (
        "每百户养老服务设施面积 +1 m²", "+1 m² elderly care per 100 households")}
    notes_zh: ClassVar[dict] = {
        r"elderly care for ([\d,]+) households": lambda m: f"服务{n_zh(m[1])}户的居家养老服务设施",
        r"achieved = city elderly-care m² per 100 covered urban households":
        lambda m: "实现值 = 全市每百户（已覆盖城镇）养老服务设施面积"}
    row_blocks = ("elderly_care",)
    committee_columns: ClassVar[dict] = {COLUMN: ("new", "built")}
    floor_fields = (FIELD,)
    field_labels: ClassVar[dict] = {FIELD: ("养老服务面积 m²", "Elderly-care area m²")}
    schema = bool | Annotated[dict[Literal["new", "built"], float], AfterValidator(non_negative)]
    default = None  # off where a preset does not state it
    meta: ClassVar[dict] = {
        "title": "每百户配建社区居家养老服务设施建筑面积", "value": {"new": 35, "built": 25},
        "unit": "m²/100 households (urban; committees column residential: new|built, default built)",
        "scope": "facility", "kind": "standard",
        "source": "沈阳 专栏4 #5 品质养老专项行动 (新建居住区每百户不低于35平方米、已建成居住区每百户不低于25平方米); "
                  "set by the scenario"}

    def resolve(self, value, given, preset_value):
        base = preset_value if isinstance(preset_value, dict) else self.meta["value"]
        value = value if isinstance(value, dict) else base
        return {k: float(value.get(k, base[k])) for k in ("new", "built")}

    # ---------------------------------------------------------------- model

    def care_need(self, pm) -> np.ndarray | None:
        """m² of elderly care each committee needs (instance order), None when the rule is off."""
        setting = pm.setting(self.id)
        if not setting:
            return None
        com = pm.scenario.tables.committees
        return _rates(setting, com) * pm.inst.households / 100.0

    def committee_floor(self, pm):
        return self.care_need(pm)

    def add_vars(self, pm):
        from siteplan.model.build import useful_sites

        if self.care_need(pm) is None:
            return
        inst = pm.inst
        e = pm.b.add_vars("elderly_care", inst.n_sites, lb=0.0, ub=np.where(useful_sites(inst), inst.max_area, 0.0))
        pm.vars["elderly_care"] = e
        pm.floor_cols.append(e)

    def add_rows(self, pm):
        """e_s − Σ_{p∋s} care_c · x_p ≥ 0 for every site s."""
        care = self.care_need(pm)
        if care is None:
            return
        inst = pm.inst
        s_rows = np.arange(inst.n_sites)
        pm.add_rows("elderly_care", ("site", s_rows), np.concatenate([s_rows, inst.pair_s]),
                    np.concatenate([pm.vars["elderly_care"], pm.x]),
                    np.concatenate([np.ones(inst.n_sites), -care[inst.pair_c]]), lb=0.0)

    def _served_care(self, pm, served: np.ndarray) -> np.ndarray:
        care = self.care_need(pm)
        assert care is not None  # only called while the rule is on
        ok = served >= 0
        return np.bincount(served[ok], weights=care[ok], minlength=pm.inst.n_sites)

    def decode(self, pm, x, plan, served):
        if self.care_need(pm) is None:
            return
        need = self._served_care(pm, served)
        sidx = {s: i for i, s in enumerate(pm.inst.site_ids)}
        plan.extra[FIELD] = {sid: float(need[sidx[sid]]) for sid in plan.areas}

    def warm_start(self, pm, plan, x):
        if self.care_need(pm) is None:
            return
        inst = pm.inst
        sidx = {s: i for i, s in enumerate(inst.site_ids)}
        served = np.array([sidx.get(plan.assignment.get(c) or "", -1) for c in inst.committee_ids], dtype=np.int64)
        need = self._served_care(pm, served)
        given = plan.extra.get(FIELD, {})
        for sid in plan.areas:
            if sid in sidx:
                x[pm.vars["elderly_care"][sidx[sid]]] = given.get(sid, need[sidx[sid]])

    def shortfall(self, eb):
        if "elderly_care" not in eb.pm.row_keys:
            return
        total = float(self.care_need(eb.pm).sum()) or 1.0
        eb.group("elderly_care", self.id, total, eb.slack_on_rows("elderly_care", 1.0), eb.keys("elderly_care"))

    # ---------------------------------------------------------------- words

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain import _ids

        inst, plan = words.inst, words.plan
        total = float(vals.sum())
        sids = [str(inst.site_ids[k]) for k in g.keys[hit]]
        have = plan.extra.get(FIELD, {})
        items = [f"{s} short {v:,.0f} m²" for s, v in zip(sids, vals[hit])]
        words.facts.update(total=round(total, 1), items=[[s, round(float(v), 1)] for s, v in zip(sids, vals[hit])],
                           rates=words.scn.standards.settings[self.id], have=round(sum(have.values()), 1))
        rates = words.facts["rates"]
        return (f"{words.budget_context()}facilities get {total:,.0f} m² less elderly-care floor area than "
                f"{rates['new']:g} (new) / {rates['built']:g} (built) m² per 100 urban households needs "
                f"({_ids(items, 5)})"), total, "m²", sids

    def describe_zh(self, group, f, s, pre):
        from siteplan.report.words_zh import _ids

        items = [f"{sid}缺{v:,.0f}平方米" for sid, v in f["items"]]
        r = f["rates"]
        return (f"{pre}社区居家养老服务设施面积比新建居住区每百户{r['new']:g}平方米、已建成居住区每百户"
                f"{r['built']:g}平方米的要求少{f['total']:,.0f}平方米（{_ids(items, 5)}）")

    def nudges(self, scn):
        from siteplan.analysis.binding import Nudge

        rates = scn.standards.settings.get(self.id)
        if not rates:
            return []
        more = {k: v + 1 for k, v in rates.items()}
        return [Nudge(self.id, "elderly-care m² per 100 households", {f"standards.{self.id}": more},
                      dict(rates), more, 1, "m²/100 hh")]

    def at_limit(self, key, scn, ev):
        return any(f.get(FIELD, 0.0) <= f.get("elderly_care_need_m2", 0.0) * (1 + 1e-6) + 1e-3
                   and f.get("elderly_care_need_m2", 0.0) > 0 for f in ev.facilities)

    # ---------------------------------------------------------------- checker

    def _need(self, ctx, rows) -> float:
        setting = ctx.st.settings[self.id]
        need = 0.0
        for row in rows:
            if row.kind != "urban":
                continue
            area = getattr(row, COLUMN, "") or DEFAULT_AREA
            need += setting[area] * row.households / 100.0
        return need

    def facility_facts(self, ctx, f):
        if not ctx.st.settings.get(self.id):
            return
        f["elderly_care_need_m2"] = round(self._need(ctx, ctx.members[f["site_id"]]), 3)
        f[FIELD] = round(float(ctx.plan.extra.get(FIELD, {}).get(f["site_id"], 0.0)), 3)

    def check(self, ctx, chk):
        setting = ctx.st.settings.get(self.id)
        if not setting:
            return
        have = ctx.plan.extra.get(FIELD, {})
        oks = []
        for f in ctx.facilities:
            sid = f["site_id"]
            need, got = self._need(ctx, ctx.members[sid]), float(have.get(sid, 0.0))
            ok = leq(need, got, AREA_TOL)
            oks.append(ok)
            if not ok:
                chk.add("elderly_care_area_per_100_households", f"facility:{sid}", round(need, 3), got, False,
                        note=f"elderly care for {f['served_households']:,} households")
        urban_hh = sum(c["households"] for c in ctx.committees if c["site_id"] is not None and c["kind"] == "urban")
        total = sum(float(have.get(f["site_id"], 0.0)) for f in ctx.facilities)
        chk.summary("elderly_care_area_per_100_households", "facilities", oks,
                    round(100 * total / urban_hh, 2) if urban_hh else None, setting,
                    note="achieved = city elderly-care m² per 100 covered urban households")

    def totals(self, ctx, totals):
        if ctx.st.settings.get(self.id):
            have = ctx.plan.extra.get(FIELD, {})
            totals[FIELD] = round(sum(float(have.get(f["site_id"], 0.0)) for f in ctx.facilities), 2)


RULES = [ElderlyCare()]
