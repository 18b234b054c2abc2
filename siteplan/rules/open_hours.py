"""Opening hours a day (national 四(十二): 一般不少于每天8小时): declared by the scenario
(`facilities.open_hours_per_day`) or per site (an `open_hours_per_day` column); reported,
not enforced: siteplan plans buildings, not rosters."""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

from pydantic import Field

from siteplan.rules._declared import NOTES_ZH, undeclared
from siteplan.rules.base import Rule


class OpenHours(Rule):
    id = "open_hours_per_day"
    order = 100
    names: ClassVar[dict] = {"open_hours_per_day": ("社区服务设施开放时间", "Facility opening hours a day")}
    notes_zh: ClassVar[dict] = {**NOTES_ZH,
                r"not declared by the scenario \((\d+) of (\d+) facilities without hours; .*\)":
                lambda m: f"情景未声明（{m[2]}处设施中{m[1]}处未声明开放时间；可设置 facilities.open_hours_per_day 或地块表列）"}
    schema = Annotated[float, Field(ge=0, le=24)]

    def resolve(self, value, given, preset_value):
        return float(value)

    def facility_facts(self, ctx, f):
        s = ctx.site(f["site_id"])
        hours = s.get("open_hours_per_day", math.nan) if "open_hours_per_day" in s.index else math.nan
        if hours is None or math.isnan(hours):  # the site's own hours, else the scenario's, else unknown
            hours = ctx.spec.facilities.open_hours_per_day if "open_hours_per_day" in ctx.declared else None
        else:
            hours = float(hours)
        f["open_hours_per_day"] = hours

    def check(self, ctx, chk):
        st = ctx.st
        hours = [f["open_hours_per_day"] for f in ctx.facilities]
        known = [h for h in hours if h is not None]
        short = [h for h in known if h < st.open_hours_per_day]
        if hours and len(known) < len(hours) and not short:
            undeclared(chk, "open_hours_per_day", "all facilities", st.open_hours_per_day,
                       f"not declared by the scenario ({len(hours) - len(known)} of {len(hours)} facilities "
                       "without hours; set facilities.open_hours_per_day or a sites column)")
        else:
            chk.add("open_hours_per_day", "all facilities", st.open_hours_per_day, min(known) if known else None,
                    not short, enforced=False, note="declared by the scenario")


RULES = [OpenHours()]
