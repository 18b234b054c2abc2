"""Walking reach: every committee is served by a site within its reach (urban / rural metres).

Model: structural. Only pairs within reach exist in the instance (`siteplan.distance`), so the
model holds the rule by construction and adds no rows. Checker: the distance of each
served committee with the checker's own formula, and the site must not be excluded.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from siteplan.kinds import Objective
from siteplan.rules.base import Rule, leq


def _no_site_in_reach(scn, inst) -> list[str]:
    """Committees with no candidate site within reach, with the nearest one."""
    from siteplan import distance
    from siteplan.checks import names

    if scn.spec.objective == Objective.MAX_COVERAGE:
        return []
    lonely = np.flatnonzero(inst.pairs_per_committee() == 0)
    if not len(lonely):
        return []
    t = scn.tables
    usable = ~inst.excluded
    detail = ""
    if usable.any():
        spec = scn.spec.distance_spec
        idx, d = distance.get(spec.method).nearest(t, lonely, np.flatnonzero(usable), spec.circuity)
        sids = inst.site_ids[usable][idx]
        # a committee with no site at any distance: no distances given for it (matrix), or
        # its streets connect to no site (network: an island, e.g. across a river)
        parts = [f"{inst.committee_ids[c]} → {sids[k]} at {d[k]:,.0f} m" if idx[k] >= 0 else
                 f"{inst.committee_ids[c]} → no site at any distance" for k, c in enumerate(lonely[:5])]
        detail = "; nearest: " + ", ".join(parts) if parts else ""
    reach = sorted({f"{r:,.0f} m" for r in inst.reach_m[lonely]})
    verb = "has" if len(lonely) == 1 else "have"
    return [(f"committee{'s' if len(lonely) > 1 else ''} {names(inst.committee_ids[lonely])} "
            f"{verb} no candidate site within {' / '.join(reach)}{detail}")]


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


    def prove_infeasible(self, scn, inst, stage=0):
        return _no_site_in_reach(scn, inst)


RULES = [WalkingReach()]
