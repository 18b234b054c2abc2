"""Walking reach: every committee is served by a site within its reach (urban / rural metres).

Model: structural. Only pairs within reach exist in the instance (`siteplan.distance`), so the
model holds the rule by construction and adds no rows. Checker: the distance of each
served committee with the checker's own formula, and the site must not be excluded.
"""

from __future__ import annotations

from typing import ClassVar

from siteplan.rules.base import Rule, leq


class WalkingReach(Rule):
    id = "walking_reach"
    order = 10
    names: ClassVar[dict] = {"walking_reach": ("步行可达距离", "Walking reach")}
    nudge_labels: ClassVar[dict] = {
        "reach.walk_m": ("步行可达范围 +100 m", "+100 m walking reach"),
    }
    notes_zh: ClassVar[dict] = {r"achieved = worst distance / reach": lambda m: "实现值 = 最远步行距离 / 可达范围",
                r"served by (.+)": lambda m: f"由 {m[1]} 服务"}

    def nudges(self, scn):
        from siteplan.analysis.binding import Nudge

        if scn.spec.reach.walk_m is None:
            return []
        r = scn.spec.reach.walk_m
        return [Nudge("reach.walk_m", "walking reach", {"reach.walk_m": r + 100}, r, r + 100, 100, "m",
                      relaxes=True, structural=True)]

    def check(self, ctx, chk):
        reach_ok, worst = [], 0.0
        for s in ctx.served:
            row, sid, dist = s["row"], s["site"], s["dist"]
            reach = ctx.spec.reach.metres(row.kind)
            ok = leq(dist, reach, 1e-6) and not bool(ctx.site(sid)["excluded"])
            reach_ok.append(ok)
            worst = max(worst, dist / reach)
            if not ok:
                chk.add("walking_reach", f"committee:{row.id}", round(reach, 1), round(dist, 1), False, op="<=",
                        note=f"served by {sid}")
        # achieved keeps its precision: a rounded worst case could print exactly as the limit it fails
        chk.summary("walking_reach", "served committees", reach_ok, worst, 1.0, op="<=",
                    note="achieved = worst distance / reach")


RULES = [WalkingReach()]
