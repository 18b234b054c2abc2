"""Community workers per 10,000 urban residents (national 专栏1 #7: 18; Shenyang 专栏1 #5: 22).

Model (row `density`, one for the city):
    Σ_{c urban} w_c ≥ ⌈R⌉        R = workers_per_10k · Σ_urban r_c / 10⁴
The worker block is one knapsack row over unit coefficients: its LP optimum is integral.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field

from siteplan.rules.base import Rule, n_zh


def _bands_below_density(scn, inst) -> list[str]:
    """The bands' most urban workers fall short of the density's need."""
    from siteplan.checks import min_workers

    need = math.ceil(inst.required_workers - 1e-9)
    _, most = min_workers(inst)
    if most < need:
        rate = scn.standards.workers_per_10k_urban
        return [(f"the committee_workers bands allow at most {most:,} urban workers "
                f"({1e4 * most / max(1, inst.residents[inst.urban].sum()):.1f} per 10,000 urban residents), "
                f"but {rate:g} per 10,000 needs {need:,}")]
    return []


class WorkersPer10kUrban(Rule):
    id = "workers_per_10k_urban"
    order = 70
    names: ClassVar[dict] = {"workers_per_10k_urban": ("每万城镇常住人口拥有社区工作者数", "Community workers per 10,000 urban residents")}
    nudge_labels: ClassVar[dict] = {
        "workers_per_10k_urban": ("每万城镇常住人口社区工作者 +1", "+1 worker per 10,000 urban residents"),
    }
    notes_zh: ClassVar[dict] = {r"([\d,]+) workers for ([\d,]+) urban residents":
                lambda m: f"城镇常住人口{n_zh(m[2])}人，社区工作者{n_zh(m[1])}名"}
    row_blocks = ("density",)
    schema = Annotated[float, Field(ge=0, le=1000)]

    def resolve(self, value, given, preset_value):
        return float(value)

    def add_rows(self, pm):
        inst = pm.inst
        u = np.flatnonzero(inst.urban)
        need = inst.required_workers
        if need > 0 and len(u):
            pm.add_rows("density", ("city", np.zeros(1, dtype=np.int64)), np.zeros(len(u), dtype=np.int64),
                        pm.w[u], 1.0, lb=np.ceil(need - 1e-9))

    def shortfall(self, eb):
        if "density" not in eb.pm.row_keys:
            return
        eb.group("density", self.id, max(eb.inst.required_workers, 1.0), eb.slack_on_rows("density", 1.0), [0])

    def describe(self, words, g, vals, hit):
        inst, plan, f = words.inst, words.plan, words.facts
        rate = words.scn.standards.workers_per_10k_urban
        u_res = float(inst.residents[inst.urban].sum())
        have = sum(plan.workers[c] for c, u in zip(inst.committee_ids, inst.urban) if u)
        need = math.ceil(inst.required_workers - 1e-9)
        ctx = words.budget_context()
        most = int(inst.band_max[inst.urban].sum())
        if not ctx and have >= most:
            ctx = f"with the committee_workers bands allowing at most {most:,} urban workers, "
            f["band_most"] = most
        f.update(achieved=round(1e4 * have / u_res, 2), required=rate, have=have, need=need)
        return (f"{ctx}the city reaches {1e4 * have / u_res:.1f} community workers per 10,000 urban "
                f"residents, not {rate:g} ({have:,} of the {need:,} workers needed)"), \
            float(need - have), "workers", []

    def describe_zh(self, group, f, s, pre):
        return (f"{pre}每万城镇常住人口社区工作者为{f['achieved']:.1f}名，未达到{f['required']:g}名"
                f"（需{f['need']:,}名，方案为{f['have']:,}名）")

    def nudges(self, scn):
        from siteplan.analysis.binding import Nudge

        urban = (scn.tables.committees["kind"] == "urban").any()
        v = scn.standards.workers_per_10k_urban
        if not urban or v <= 0:
            return []
        return [Nudge("workers_per_10k_urban", "workers per 10,000 urban residents",
                      {"standards.workers_per_10k_urban": v + 1}, v, v + 1, 1, "worker/10k")]

    def at_limit(self, key, scn, ev):
        com = scn.tables.committees
        urban_res = float(com.loc[com["kind"] == "urban", "residents"].sum())
        need = math.ceil(scn.standards.workers_per_10k_urban * urban_res / 1e4 - 1e-9)
        have = sum(c["workers"] for c in ev.committees if c["kind"] == "urban")
        return have <= need

    def check(self, ctx, chk):
        com, st = ctx.com, ctx.st
        urban_res = int(com.loc[com["kind"] == "urban", "residents"].sum())
        urban_workers = sum(c["workers"] for c in ctx.committees if c["kind"] == "urban")
        density = 1e4 * urban_workers / urban_res if urban_res else None
        need_workers = st.workers_per_10k_urban * urban_res / 1e4
        chk.add("workers_per_10k_urban", "city", st.workers_per_10k_urban, density,
                urban_res == 0 or urban_workers >= math.ceil(need_workers - 1e-9),
                note=f"{urban_workers:,} workers for {urban_res:,} urban residents")


    def prove_infeasible(self, scn, inst, stage=0):
        return _bands_below_density(scn, inst)


RULES = [WorkersPer10kUrban()]
