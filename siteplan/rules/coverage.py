"""Coverage: every committee is served (min_cost, min_distance), or the share of urban and
rural committees served is reported against the preset's target (max_coverage).

Model: the `assign` rows Σ_{p∋c} x_p = 1 (≤ 1 under max_coverage) are structural and built
with the assignment columns (siteplan.model.build.add_assignments); this rule owns their
shortfall: one "uncovered" column per committee row in the elastic model.
"""

from __future__ import annotations

from typing import ClassVar

from siteplan.kinds import Objective
from siteplan.rules.base import KIND_ZH, ByKind, Rule, by_kind


class Coverage(Rule):
    id = "coverage"
    order = 20
    names: ClassVar[dict] = {"coverage": ("社区综合服务设施覆盖率", "Committees with a facility within reach"),
             "every_committee_served": ("每个居委会都有服务设施", "Every committee served")}
    notes_zh: ClassVar[dict] = {r"share of (urban|rural) committees served within reach":
                lambda m: f"步行范围内有设施的{KIND_ZH[m[1]]}居委会比例",
                r"uncovered: (.+)": lambda m: f"未覆盖：{m[1]}"}
    schema = ByKind

    def resolve(self, value, given, preset_value):
        return by_kind(value, ("urban", "rural"))

    def shortfall(self, eb):
        if eb.pm.objective != Objective.MAX_COVERAGE or getattr(eb.pm.scenario, "due", ()):
            eb.group("uncovered", self.id, eb.inst.n_committees, eb.slack_on_rows("assign", 1.0), eb.keys("assign"))

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain import _and, _ids, _nearest

        inst, f = words.inst, words.facts
        keys = g.keys[hit]
        cids = [str(inst.committee_ids[k]) for k in keys]
        lonely = keys[inst.pairs_per_committee()[keys] == 0]
        parts = []
        if len(lonely):
            near = _nearest(words.scn, inst, lonely)
            lids = [str(inst.committee_ids[k]) for k in lonely]
            reach = " / ".join(sorted({f"{r:,.0f} m" for r in inst.reach_m[lonely]}))
            noun = "committee" if len(lids) == 1 else "committees"
            verb = "has" if len(lids) == 1 else "have"
            if len(near) == 1:
                where = f"the nearest is {near[0][0]} at {near[0][1]:,.0f} m"
            else:
                where = "the nearest: " + "; ".join(
                    f"{c} → {s} at {d:,.0f} m" for c, (s, d) in list(zip(lids, near))[:6])
            f["lonely"] = [[c, s, round(d, 1)] for c, (s, d) in zip(lids, near)]
            f["reach_m"] = sorted({float(r) for r in inst.reach_m[lonely]})
            parts.append(f"{noun} {_and(lids) if len(lids) <= 6 else _ids(lids)} {verb} no candidate "
                         f"site within {reach}; {where}")
        other = [c for c, k in zip(cids, keys) if k not in set(lonely)]
        f["other"] = other
        if other:
            parts.append(f"committees {_ids(other)} are left unserved although a site is within reach "
                         "(serving them would break a budget or plot cap)")
        return "; ".join(parts), float(len(keys)), "committees", cids

    def describe_zh(self, group, f, s, pre):
        from siteplan.report.words_zh import _ids

        parts = []
        lonely = f.get("lonely") or []
        if lonely:
            reach = "/".join(f"{r:,.0f}" for r in f.get("reach_m", []))
            ids = _ids([c for c, _, _ in lonely])
            if len(lonely) == 1:
                near = f"最近的是{lonely[0][1]}，距离{lonely[0][2]:,.0f}米"
            else:
                near = "最近：" + "；".join(f"{c} → {sid} {d:,.0f}米" for c, sid, d in lonely[:6])
            parts.append(f"居委会{ids}在{reach}米步行范围内没有候选设施点；{near}")
        if f.get("other"):
            parts.append(f"居委会{_ids(f['other'])}虽在步行范围内有站点，但受预算或用地上限限制未能覆盖")
        return "；".join(parts)

    def check(self, ctx, chk):
        committees = ctx.committees
        for kind in ("urban", "rural"):
            total_k = [c for c in committees if c["kind"] == kind]
            if not total_k:
                continue
            share = sum(1 for c in total_k if c["site_id"] is not None) / len(total_k)
            target = ctx.st.coverage[kind]
            chk.add("coverage", f"city:{kind}", target, round(share, 4), share >= target - 1e-9,
                    enforced=False, note=f"share of {kind} committees served within reach")
        if chk.enforce_coverage:  # enforced as 100% unless the objective is max_coverage
            uncovered = [c["committee_id"] for c in committees if c["site_id"] is None]
            chk.add("every_committee_served", "city", 1.0, round(1 - len(uncovered) / len(committees), 4),
                    not uncovered, note=(f"uncovered: {', '.join(uncovered[:5])}" if uncovered else ""))


RULES = [Coverage()]
