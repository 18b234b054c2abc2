"""Committee worker bands: each committee gets a number of community workers within the band
its households fall in (e.g. 500–2,000 households: 4–11 workers, 沪民社建发〔2022〕3号 三(七)1).

Model: the workers column w_c ∈ ℤ with lo_c ≤ w_c ≤ hi_c as bounds (no rows). Elastic: the
bounds become rows w_c + s⁻_c ≥ lo_c and w_c − s⁺_c ≤ hi_c with shortfalls on both sides
(band_low, band_high), so a density rule that the band maxima cannot reach says so.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from siteplan.rules.base import INF, Rule


class WorkerBand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    households: tuple[int, int | None]
    min: int = Field(ge=0, le=1000)
    max: int = Field(ge=0, le=1000)
    kind: Literal["urban", "rural"] | None = None

    @model_validator(mode="after")
    def ordered(self):
        lo, hi = self.households
        if lo < 0 or (hi is not None and hi < lo):
            raise ValueError(f"households range [{lo}, {hi}] is not ordered")
        if self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self

    def covers(self, households: int, kind: str) -> bool:
        lo, hi = self.households
        return lo <= households and (hi is None or households <= hi) and self.kind in (None, kind)

    def overlaps(self, other: WorkerBand) -> bool:
        """Some committee would fall in both (bands of different kinds never share one)."""
        if self.kind is not None and other.kind is not None and self.kind != other.kind:
            return False
        (a, b), (c, d) = self.households, other.households
        return (b is None or c <= b) and (d is None or a <= d)

    def label(self) -> str:
        lo, hi = self.households
        return f"[{lo}, {'null' if hi is None else hi}]" + (f" ({self.kind})" if self.kind else "")


def bands_apart(bands):
    """A committee in two bands would get whichever comes first: say so instead."""
    for i, a in enumerate(bands or []):
        for b in bands[i + 1:]:
            if a.overlaps(b):
                raise ValueError(f"bands {a.label()} and {b.label()} overlap; a committee must fall "
                                 "in one band (bands of different kind: may overlap)")
    return bands


class CommitteeWorkers(Rule):
    id = "committee_workers"
    order = 30
    names: ClassVar[dict] = {"committee_workers": ("居委会社区工作者配备", "Community workers per committee")}
    schema = Annotated[list[WorkerBand], AfterValidator(bands_apart)]

    def resolve(self, value, given, preset_value):
        return [b if isinstance(b, WorkerBand) else WorkerBand(**b) for b in value]

    def add_vars(self, pm):
        inst = pm.inst
        pm.w = pm.b.add_vars("workers", inst.n_committees, lb=inst.band_min.astype(float),
                             ub=inst.band_max.astype(float), integer=True)

    def warm_start(self, pm, plan, x):
        inst = pm.inst
        for ci, cid in enumerate(inst.committee_ids):
            x[pm.w[ci]] = plan.workers.get(cid, inst.band_min[ci])

    def shortfall(self, eb):
        inst, pm = eb.inst, eb.pm
        n_c = inst.n_committees
        eb.lb[pm.w] = 0.0
        eb.ub[pm.w] = INF
        lo_c = np.flatnonzero(inst.band_min > 0)
        if len(lo_c):
            s = eb.add_cols("short_band_low", len(lo_c))
            i = np.arange(len(lo_c))
            eb.add_rows("band_low", np.concatenate([i, i]), np.concatenate([pm.w[lo_c], s]), 1.0,
                        inst.band_min[lo_c].astype(float), INF, len(lo_c))
            eb.group("band_low", self.id, float(inst.band_min.sum()) or 1.0, s, lo_c)
        s = eb.add_cols("short_band_high", n_c)
        i = np.arange(n_c)
        eb.add_rows("band_high", np.concatenate([i, i]), np.concatenate([pm.w, s]),
                    np.concatenate([np.ones(n_c), -np.ones(n_c)]), -INF, inst.band_max.astype(float), n_c)
        eb.group("band_high", self.id, float(inst.band_max.sum()) or 1.0, s, i)

    def describe(self, words, g, vals, hit):
        import math

        from siteplan.analysis.explain import _ids

        inst, plan, f, scn = words.inst, words.plan, words.facts, words.scn
        keys = g.keys[hit]
        total = float(vals.sum())
        cids = [str(inst.committee_ids[k]) for k in keys]
        items = [f"{c} {plan.workers[c]} (band {inst.band_min[k]}–{inst.band_max[k]})" for c, k in zip(cids, keys)]
        f["items"] = [[c, plan.workers[c], int(inst.band_min[k]), int(inst.band_max[k])] for c, k in zip(cids, keys)]
        f["total"] = round(total)
        if g.name == "band_low":
            one = len(cids) == 1
            text = (f"{words.budget_context()}{len(cids)} committee{'' if one else 's'} get{'s' if one else ''} "
                    f"fewer workers than {'its' if one else 'their'} band minimum: {_ids(items, 5)}; "
                    f"{total:,.0f} worker{'' if round(total) == 1 else 's'} short in all")
        else:
            most = int(inst.band_max[inst.urban].sum())
            u_res = float(inst.residents[inst.urban].sum()) or 1.0
            need = math.ceil(inst.required_workers - 1e-9)
            f.update(most=most, need=need, per10k=round(1e4 * most / u_res, 2),
                     rate=scn.standards.workers_per_10k_urban)
            text = (f"the committee_workers bands allow at most {most:,} urban workers "
                    f"({1e4 * most / u_res:.1f} per 10,000 urban residents), but "
                    f"{scn.standards.workers_per_10k_urban:g} per 10,000 needs {need:,}: band maxima "
                    f"would have to allow {total:,.0f} more workers (e.g. {_ids(items, 3)})")
        return text, total, "workers", cids

    def describe_zh(self, group, f, s, pre):
        from siteplan.report.words_zh import _ids

        if group == "band_low":
            items = [f"{c} {w}名（应为{lo}–{hi}名）" for c, w, lo, hi in f["items"]]
            return f"{pre}{len(items)}个居委会的社区工作者少于配备下限：{_ids(items, 5)}；共缺{f['total']:,}名"
        return (f"居委会社区工作者配备上限合计最多{f['most']:,}名城镇社区工作者（每万人{f['per10k']:.1f}名），"
                f"达到每万人{f['rate']:g}名需要{f['need']:,}名：配备上限需再增加{round(s['amount']):,}名")

    def check(self, ctx, chk):
        band_ok = []
        for c in ctx.committees:
            w = ctx.workers[c["committee_id"]]
            band = ctx.st.band_for(c["households"], c["kind"])
            ok = band is not None and float(w).is_integer() and band.min <= w <= band.max
            band_ok.append(ok)
            c["band_min"], c["band_max"] = (band.min, band.max) if band else (None, None)
            if not ok:
                chk.add("committee_workers", f"committee:{c['committee_id']}",
                        f"{band.min}–{band.max}" if band else "a band", w, False, op="in")
        chk.summary("committee_workers", "committees", band_ok, None, "band by households", op="in")


RULES = [CommitteeWorkers()]
