"""Plan integrity: a plan's decisions name known sites and committees, every committee has a
workers entry, and a served committee is served by an open site.

Checker only: the model cannot write such a plan; a hand-edited or damaged plan.json can.
"""

from __future__ import annotations

from typing import ClassVar

from siteplan.rules.base import Rule


class PlanIntegrity(Rule):
    id = "plan_integrity"
    order = 0
    names: ClassVar[dict] = {
        "plan_integrity": ("方案数据完整性", "Plan integrity"),
        "served_by_open_site": ("由开放设施服务", "Served by an open site"),
        "stated_totals": ("方案汇总数与重算一致", "Stated totals match the plan"),
    }
    notes_zh: ClassVar[dict] = {r"plan.json states a figure that the plan does not produce":
                lambda m: "plan.json 中的汇总数与方案重算结果不一致"}

    def check(self, ctx, chk):
        plan = ctx.plan
        for sid in plan.areas:
            if sid not in ctx.site_rows:
                chk.add("plan_integrity", f"facility:{sid}", "a site in the sites table", "unknown site", False, op="=")
        known_c = set(ctx.com["id"])
        for cid in set(plan.assignment) | set(plan.workers):
            if cid not in known_c:
                chk.add("plan_integrity", f"committee:{cid}", "a committee in the table", "unknown committee", False,
                        op="=")
        missing = [c for c in ctx.com["id"] if plan.workers.get(c) is None]
        if missing:
            chk.add("plan_integrity", f"committee:{missing[0]}", "workers for every committee",
                    f"{len(missing)} committees have no workers entry", False, op="=")
        for c in ctx.committees:
            sid = c["site_id"]
            if sid is not None and sid not in plan.areas:
                chk.add("served_by_open_site", f"committee:{c['committee_id']}", "an open site", f"{sid} (not open)",
                        False, op="=")


RULES = [PlanIntegrity()]
