"""Service windows, N+1 (Panzhihua 四(二)): one window per N residents served, and a facility
is staffed with its windows plus k workers.

Model (columns n_s ∈ ℤ₊, rows `windows`, one per site):
    N · n_s ≥ Σ_{p∋s} r_c · x_p
Staff n_s + k · y_s is paid at the worker wage (siteplan.model.costs).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from siteplan.rules.base import INF, Rule, n_zh


class WindowRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    residents_per_window: int = Field(5000, gt=0)
    extra_staff: int = Field(1, ge=0)


class Windows(Rule):
    id = "windows"
    order = 80
    names: ClassVar[dict] = {"windows": ("综合服务窗口", "Service windows")}
    notes_zh: ClassVar[dict] = {r"([\d,]+) residents served": lambda m: f"服务居民{n_zh(m[1])}人"}
    row_blocks = ("windows",)
    schema = WindowRule | None | Literal[False]

    def resolve(self, value, given, preset_value):
        if not value:  # null in a preset, false in a scenario: no window rule
            return None
        return value if isinstance(value, WindowRule) else WindowRule(**value)

    # ---------------------------------------------------------------- model

    def add_vars(self, pm):
        from siteplan.model.build import useful_sites

        inst = pm.inst
        if inst.residents_per_window:
            pm.n = pm.b.add_vars("windows", inst.n_sites, lb=0.0,
                                 ub=np.where(useful_sites(inst), INF, 0.0), integer=True)
            pm.staff_terms.append((pm.n, np.ones(inst.n_sites)))
            pm.staff_terms.append((pm.y, np.full(inst.n_sites, float(inst.window_extra_staff))))

    def add_rows(self, pm):
        inst = pm.inst
        if pm.n is None:
            return
        s_rows = np.arange(inst.n_sites)
        pm.add_rows("windows", ("site", s_rows), np.concatenate([s_rows, inst.pair_s]),
                    np.concatenate([pm.n, pm.x]),
                    np.concatenate([np.full(inst.n_sites, float(inst.residents_per_window)),
                                    -inst.residents[inst.pair_c].astype(float)]), lb=0.0)

    def decode(self, pm, x, plan, served):
        inst = pm.inst
        if not inst.residents_per_window:
            return
        res = np.bincount(served[served >= 0], weights=inst.residents[served >= 0], minlength=inst.n_sites)
        sidx = {s: i for i, s in enumerate(inst.site_ids)}
        for sid in plan.areas:
            s = sidx[sid]
            plan.windows[sid] = int(max(round(x[pm.n[s]]), math.ceil(res[s] / inst.residents_per_window - 1e-9)))

    def warm_start(self, pm, plan, x):
        if pm.n is None:
            return
        sidx = {s: i for i, s in enumerate(pm.inst.site_ids)}
        for sid, n in plan.windows.items():
            if sid in sidx:
                x[pm.n[sidx[sid]]] = n

    def shortfall(self, eb):
        if "windows" not in eb.pm.row_keys:
            return
        eb.group("windows", self.id, float(eb.inst.residents.sum()) or 1.0,
                 eb.slack_on_rows("windows", 1.0), eb.keys("windows"))

    # ---------------------------------------------------------------- words

    def describe(self, words, g, vals, hit):
        from siteplan.analysis.explain import _ids

        inst = words.inst
        total = float(vals.sum())
        per = inst.residents_per_window or 1
        sids = [str(inst.site_ids[k]) for k in g.keys[hit]]
        words.facts.update(sites=sids, windows=round(total / per, 2), per=per)
        return (f"{words.budget_context()}facilities {_ids(sids)} have {total / per:,.1f} fewer service windows "
                f"than one per {per:,} residents"), total / per, "windows", sids

    def describe_zh(self, group, f, s, pre):
        from siteplan.report.words_zh import _ids

        return f"{pre}设施{_ids(f['sites'])}比每{f['per']:,}名居民一个综合服务窗口的要求少{f['windows']:.1f}个窗口"

    # ---------------------------------------------------------------- checker

    def facility_facts(self, ctx, f):
        win = ctx.st.windows
        if win:
            f["windows"] = int(ctx.plan.windows.get(f["site_id"], 0))
            f["staff"] = f["windows"] + win.extra_staff

    def check(self, ctx, chk):
        win = ctx.st.windows
        if not win:
            return
        oks = []
        for f in ctx.facilities:
            needed = math.ceil(f["served_residents"] / win.residents_per_window - 1e-9)
            oks.append(f["windows"] >= needed)
            if f["windows"] < needed:
                chk.add("windows", f"facility:{f['site_id']}", needed, f["windows"], False,
                        note=f"{f['served_residents']:,} residents served")
        chk.summary("windows", "facilities", oks, None,
                    f"1 per {win.residents_per_window} residents, staff N+{win.extra_staff}")


RULES = [Windows()]
