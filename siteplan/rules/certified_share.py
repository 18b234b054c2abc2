"""Share of community workers with a social-work certificate (Shanghai 专栏1 #9: 20%;
Shenyang 专栏1 #12: 40%): declared by the scenario (`facilities.certified_share`),
reported, not enforced."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from siteplan.rules._declared import NOTES_ZH, declared_share
from siteplan.rules.base import Rule


class CertifiedShare(Rule):
    id = "certified_share"
    order = 120
    names: ClassVar[dict] = {"certified_share": ("社区工作者持证比例", "Share of workers with a social-work certificate")}
    notes_zh: ClassVar[dict] = NOTES_ZH
    schema = Annotated[float, Field(ge=0, le=1)]

    def resolve(self, value, given, preset_value):
        return float(value)

    def check(self, ctx, chk):
        declared_share(chk, ctx, "certified_share", "city")


RULES = [CertifiedShare()]
