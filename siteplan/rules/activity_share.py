"""Residents' activity space as a share of facility floor area (national 专栏1 #5: ≥60%):
declared by the scenario (`facilities.activity_share`), reported, not enforced."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from siteplan.rules._declared import NOTES_ZH, declared_share
from siteplan.rules.base import Rule


class ActivityShare(Rule):
    id = "activity_share"
    order = 110
    names: ClassVar[dict] = {"activity_share": ("居民活动区域面积占比", "Residents' activity space share of floor area")}
    notes_zh: ClassVar[dict] = NOTES_ZH
    schema = Annotated[float, Field(ge=0, le=1)]

    def resolve(self, value, given, preset_value):
        return float(value)

    def check(self, ctx, chk):
        declared_share(chk, ctx, "activity_share", "all facilities")


RULES = [ActivityShare()]
