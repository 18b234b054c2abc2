"""Rules a preset states that siteplan cannot assess (marked `assessed: false` in the preset,
e.g. the commercial share of a community's floor area, outdoor squares per resident): listed
in the compliance report with ok = null, so the report says what it does not check."""

from __future__ import annotations

from typing import ClassVar

from siteplan.rules.base import NOT_ASSESSED, Rule


class NotAssessed(Rule):
    id = "not_assessed"
    order = 130
    names: ClassVar[dict] = {"commercial_share": ("社区商业和综合服务设施面积占比",
                                  "Commercial and service space share of community floor area"),
             "outdoor_square_per_resident": ("室外活动广场", "Outdoor activity square per resident")}
    notes_zh: ClassVar[dict] = {r"not assessed by siteplan": lambda m: "siteplan 不评估此项"}

    def check(self, ctx, chk):
        for r in ctx.st.rules:
            if not r.get("assessed", True):
                chk.add(r["id"], "city", r["value"], None, None, enforced=False, note="not assessed by siteplan",
                        status=NOT_ASSESSED)


RULES = [NotAssessed()]
