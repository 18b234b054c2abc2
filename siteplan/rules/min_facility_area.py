"""Minimum facility size: an open facility has at least the floor area its site kind needs
(e.g. Shenyang 五(十一): urban 600 m², rural 350 m²).

Model (rows `minarea`, one per useful site whose minimum exceeds its existing area):
    a_s ≥ amin_s · y_s
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import numpy as np
from pydantic import AfterValidator

from siteplan.rules.base import (
    AREA_TOL,
    SITE_KINDS,
    BySiteKind,
    Rule,
    by_kind_override,
    leq,
    non_negative,
)


class MinFacilityArea(Rule):
    id = "min_facility_area_m2"
    order = 40
    names: ClassVar[dict] = {"min_facility_area_m2": ("单个设施最小建筑面积", "Minimum floor area of one facility")}
    row_blocks = ("minarea",)
    schema = Annotated[float | BySiteKind, AfterValidator(non_negative)]

    def resolve(self, value, given, preset_value):
        return by_kind_override(value, given, preset_value, self.id, SITE_KINDS)

    def add_rows(self, pm):
        from siteplan.model.build import useful_sites

        inst = pm.inst
        s = np.flatnonzero((inst.min_area > inst.existing_area) & useful_sites(inst))
        i = np.arange(len(s))
        pm.add_rows("minarea", ("site", s), np.concatenate([i, i]), np.concatenate([pm.a[s], pm.y[s]]),
                    np.concatenate([np.ones(len(s)), -inst.min_area[s]]), lb=0.0)

    def shortfall(self, eb):
        keys = eb.keys("minarea")
        eb.group("minarea", self.id, float(eb.inst.min_area[keys].sum()) if len(keys) else 1.0,
                 eb.slack_on_rows("minarea", 1.0), keys)

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain import _ids

        inst, plan = words.inst, words.plan
        keys = g.keys[hit]
        sids = [str(inst.site_ids[k]) for k in keys]
        items = [f"{s} {plan.areas.get(s, 0):,.0f} m² (minimum {inst.min_area[k]:,.0f}, {inst.site_kind[k]})"
                 for s, k in zip(sids, keys)]
        words.facts["items"] = [[s, round(plan.areas.get(s, 0), 1), float(inst.min_area[k])]
                                for s, k in zip(sids, keys)]
        return (f"{words.budget_context()}sites open below the minimum facility area: {_ids(items, 5)}"), \
            float(vals.sum()), "m²", sids

    def describe_zh(self, group, f, s, pre):
        from siteplan.report.words_zh import _ids

        items = [f"{sid} {a:,.0f}平方米（最小{m:,.0f}）" for sid, a, m in f["items"]]
        return f"{pre}以下设施面积低于单个设施最小面积：{_ids(items, 5)}"

    def facility_facts(self, ctx, f):
        f["min_area_m2"] = ctx.st.min_area[f["kind"]]

    def check(self, ctx, chk):
        for f in ctx.facilities:
            area = ctx.plan.areas[f["site_id"]]
            if not leq(f["min_area_m2"], area, AREA_TOL):
                chk.add("min_facility_area_m2", f"facility:{f['site_id']}", f["min_area_m2"], area, False)
        mins_ok = [leq(f["min_area_m2"], f["area_m2"], AREA_TOL) for f in ctx.facilities]
        chk.summary("min_facility_area_m2", "facilities", mins_ok,
                    min((f["area_m2"] for f in ctx.facilities), default=None), ctx.st.min_area)


RULES = [MinFacilityArea()]
