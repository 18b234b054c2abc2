"""Plot caps and the sites table's own rules: a facility's floor area fits its plot
(max_area_m2), an existing facility keeps its area and stays open, a required site opens,
an excluded one does not.

Model (rows `maxarea`, one per useful site that is neither existing nor required):
    a_s + Σ_r e^r_s ≤ amax_s · y_s          (e^r: floor a rule adds, e.g. elderly care)
Existing and required sites are open anyway: their cap is the bound a_s ≤ amax_s, and,
when a rule adds floor, the same row for them too. Elastic: one shortfall per row (the
"capacity" tier: land is harder to find than money), plus rows for the sites that must open.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from siteplan.rules.base import AREA_TOL, INF, Rule, leq


def _forced_too_small(inst) -> list[str]:
    """A site that must open whose plot cannot take the minimum facility area."""
    from siteplan.checks import names

    forced = inst.existing | inst.required
    bad = np.flatnonzero(forced & (inst.min_area > inst.max_area))
    if not len(bad):
        return []
    return [(f"site{'s' if len(bad) > 1 else ''} {names(inst.site_ids[bad])} must be open but "
             f"max_area_m2 {inst.max_area[bad[0]]:,.0f} is below the minimum facility area "
             f"{inst.min_area[bad[0]]:,.0f} m²")]


class PlotCaps(Rule):
    id = "max_area"
    order = 50
    tier = "capacity"
    names: ClassVar[dict] = {"max_area": ("地块面积上限", "Plot area limit"),
             "existing_kept": ("既有面积不减少", "Existing floor area kept"),
             "site_excluded": ("排除地块不开放", "Excluded site stays closed"),
             "must_stay_open": ("既有和指定设施保持开放", "Existing and required sites open")}
    notes_zh: ClassVar[dict] = {r"existing area may not shrink": lambda m: "既有面积不得减少",
                r"existing facilities stay open; required sites must open": lambda m: "既有设施保持开放，指定地块必须开放"}
    row_blocks = ("maxarea",)

    def add_rows(self, pm):
        from siteplan.model.build import useful_sites

        inst = pm.inst
        useful = useful_sites(inst)
        s = np.flatnonzero(useful if pm.floor_cols else useful & ~(inst.existing | inst.required))
        i = np.arange(len(s))
        extra = [cols[s] for cols in pm.floor_cols]
        pm.add_rows("maxarea", ("site", s), np.concatenate([i, i] + [i] * len(extra)),
                    np.concatenate([pm.a[s], pm.y[s], *extra]),
                    np.concatenate([np.ones(len(s)), -inst.max_area[s]] + [np.ones(len(s))] * len(extra)), ub=0.0)

    def shortfall(self, eb):
        from siteplan.model.build import useful_sites

        inst, pm = eb.inst, eb.pm
        useful = useful_sites(inst)
        cap = np.maximum(inst.max_area, inst.existing_area)
        eb.ub[pm.a[useful]] = INF
        for cols in pm.floor_cols:
            eb.ub[cols[useful]] = INF
        cols = eb.slack_on_rows("maxarea", -1.0)
        keys = list(eb.keys("maxarea"))
        forced = np.flatnonzero(useful & (inst.existing | inst.required))
        forced = forced[~np.isin(forced, keys)]
        if len(forced):
            fc = eb.add_cols("short_forced_cap", len(forced))
            i = np.arange(len(forced))
            eb.add_rows("forced_cap", np.concatenate([i, i]), np.concatenate([pm.a[forced], fc]),
                        np.concatenate([np.ones(len(forced)), -np.ones(len(forced))]), -INF, cap[forced],
                        len(forced))
            cols = fc if cols is None else np.concatenate([cols, fc])
            keys += list(forced)
        eb.group("plot_cap", self.id, float(cap[useful].sum()) or 1.0, cols, keys)

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain import _ids

        inst = words.inst
        keys = g.keys[hit]
        total = float(vals.sum())
        sids = [str(inst.site_ids[k]) for k in keys]
        cap = np.maximum(inst.max_area, inst.existing_area)
        need = [words.floor(s, cap[k] + v) for s, k, v in zip(sids, keys, vals[hit])]
        items = [f"{s} needs {n:,.0f} m² but its plot allows {cap[k]:,.0f} m²" for s, k, n in zip(sids, keys, need)]
        words.facts["items"] = [[s, round(n, 1), float(cap[k])] for s, k, n in zip(sids, keys, need)]
        words.facts["total"] = round(total, 1)
        return (f"plot caps (max_area_m2) are too small: {_ids(items, 4)}; {total:,.0f} m² more floor "
                "area, a larger plot or another site nearby, would fix it"), total, "m²", sids

    def describe_zh(self, group, f, s, pre):
        from siteplan.report.words_zh import _ids

        items = [f"{sid}需要{need:,.0f}平方米，但地块最多{cap:,.0f}平方米" for sid, need, cap in f["items"]]
        return (f"用地上限（max_area_m2）不足：{_ids(items, 4)}；需再增加{f['total']:,.0f}平方米建筑面积，"
                "或改用更大地块、在附近增设站点")

    def check(self, ctx, chk):
        for f in ctx.facilities:
            sid = f["site_id"]
            s = ctx.site(sid)
            area = ctx.plan.areas[sid]
            floor = ctx.floor_m2(sid)
            if not leq(floor, float(s["max_area_m2"]), AREA_TOL):
                chk.add("max_area", f"facility:{sid}", float(s["max_area_m2"]), floor, False, op="<=")
            existing = float(s["existing_area_m2"])
            if not leq(existing, area, AREA_TOL):
                chk.add("existing_kept", f"facility:{sid}", existing, area, False, note="existing area may not shrink")
            if bool(s["excluded"]):
                chk.add("site_excluded", f"facility:{sid}", "closed", "open", False, op="=")
        sit = ctx.sit
        for sid in sit[(sit["existing_area_m2"] > 0) | sit["required"]]["id"]:
            if sid not in ctx.plan.areas:
                chk.add("must_stay_open", f"facility:{sid}", "open", "closed", False, op="=",
                        note="existing facilities stay open; required sites must open")


    def prove_infeasible(self, scn, inst, stage=0):
        return _forced_too_small(inst)


RULES = [PlotCaps()]
