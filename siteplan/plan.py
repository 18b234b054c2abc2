"""`evaluate`: the independent checker (a `Plan` holds decisions only, siteplan.decisions).

`evaluate` recomputes every rule, cost and coverage figure from the plan's decisions and the
scenario's tables alone. This module builds the facts (`CheckContext`: each committee's
serving site and walking distance, one record per open facility, its costs); every verdict
is written by a rule's `check` (siteplan/rules/*.py), apart from that rule's model rows. It does not use the instance arrays, the model or the solver, and
computes walking distances with its own formula, so a bug in the model or the geometry
shows up as a disagreement here. `siteplan check` runs exactly this on saved outputs.

Rules the model enforces must hold (`enforced`); a failing enforced rule fails the check.
Rules that the objective trades off (coverage under max_coverage) and declared facts
(opening hours, activity share) are reported with ok true/false; rules siteplan cannot
assess, and facts the scenario never declared, are listed with ok = null. Each row's
`status` says which in one word: ok, FAIL (enforced and failed), below (reported, not
enforced, and missed), not declared, not assessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siteplan import distance
from siteplan.decisions import Plan
from siteplan.kinds import Objective
from siteplan.rules.base import AREA_TOL, MONEY_TOL, NOT_ASSESSED, NOT_DECLARED, REL_TOL, leq
from siteplan.scenario.load import Scenario

__all__ = ["AREA_TOL", "MONEY_TOL", "NOT_ASSESSED", "NOT_DECLARED", "REL_TOL", "CheckContext", "Evaluation",
           "Plan", "evaluate", "leq", "row_status"]


@dataclass
class Evaluation:
    facilities: list[dict]
    committees: list[dict]
    totals: dict
    compliance: list[dict]
    violations: list[dict] = field(default_factory=list)
    #: one record per open facility of a type besides service (siteplan/rules/_types_check.py)
    type_facilities: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def row_status(row: dict) -> str:
    """A compliance row's status word (rows written before `status` existed get it derived)."""
    if row.get("status"):
        return str(row["status"])
    ok = row.get("ok")
    if ok is None:
        return NOT_ASSESSED
    return "ok" if ok else ("FAIL" if row.get("enforced") else "below")


class _Compliance:
    """Collects compliance rows; failing enforced rows become violations."""

    def __init__(self, scn: Scenario, enforce_coverage: bool):
        self.scn = scn
        self.rows: list[dict] = []
        self.violations: list[dict] = []
        self.enforce_coverage = enforce_coverage

    def add(self, rule: str, scope: str, required, achieved, ok, *, enforced=True, note="",
            op=">=", status=None, source=None):
        meta = self.scn.standards.rule(rule)
        if source is not None:  # a rule whose clause is not a preset rule's (a facility type's)
            meta = dict(meta, source=source)
        row = {
            "rule": rule, "title": meta.get("title", rule), "scope": scope, "op": op,
            "required": required, "achieved": achieved,
            "ok": None if ok is None else bool(ok), "kind": meta.get("kind", "model"),
            "enforced": bool(enforced), "overridden": bool(meta.get("overridden", False)),
            "source": meta.get("source", ""), "note": note,
        }
        row["status"] = status or row_status(row)  # added last: CSV readers keep their columns
        self.rows.append(row)
        if enforced and ok is False:
            self.violations.append(row)

    def summary(self, rule: str, entity: str, rows_ok: list[bool], worst, required, *, op=">=",
                enforced=True, note="", source=None):
        n_bad = sum(1 for ok in rows_ok if not ok)
        self.add(rule, f"all {len(rows_ok)} {entity}", required, worst,
                 n_bad == 0 if rows_ok else True, enforced=enforced, op=op,
                 note=note or (f"{n_bad} {entity} fail" if n_bad else ""), source=source)


#: the plan.json totals `evaluate` compares with what the plan produces
COUNT_TOTALS = ("workers", "residents_covered")
STATED_TOTALS = ("capex", "opex_per_year", "total_cost", "workers", "residents_covered", "floor_area_m2",
                 "co_location_saving")


class CheckContext:
    """What the checker knows about a plan before judging it: the scenario's tables, the
    plan's decisions, each committee's serving site and walking distance (this module's own
    formula), and one record per open facility. Facts only; every verdict is a rule's."""

    def __init__(self, scn: Scenario, plan: Plan):
        self.scn, self.plan = scn, plan
        self.spec, self.st, self.tables = scn.spec, scn.standards, scn.tables
        self.com, self.sit = self.tables.committees, self.tables.sites
        self.cx, self.cy = self.tables.coords
        self.declared = self.spec.facilities.model_fields_set  # what `facilities:` states
        self.site_rows = {sid: i for i, sid in enumerate(self.sit["id"])}
        self.wage = self.spec.costs.worker_per_year
        dist_spec = self.spec.distance_spec
        self.method, self.circuity = dist_spec.method, dist_spec.circuity
        self.walk = distance.get(self.method).checker(self.tables)  # the kind's own checker side
        #: committee records (plan.json `committees`), in table order
        self.committees: list[dict] = []
        #: committees served by a known open site: {"row", "site", "dist"} (unrounded metres)
        self.served: list[dict] = []
        #: open known site id -> the committees-table rows it serves, in table order
        self.members: dict[str, list] = {s: [] for s in plan.areas}
        #: committee id -> workers as the plan states them (0 when missing)
        self.workers: dict[str, float] = {}
        self._committees()
        #: facility records (plan.json `facilities`), one per open known site
        self.facilities: list[dict] = []
        #: the plan's capex and opex a year by the checker's own formula (set by `evaluate`
        #: before the rules' checks run)
        self.capex = self.opex = 0.0
        #: facilities of the types besides service, and what co-location saves (rules' `costs`)
        self.type_facilities: list[dict] = []
        self.co_location_saving = 0.0

    def site(self, sid: str):
        return self.sit.iloc[self.site_rows[sid]]

    def distance(self, row, sid: str) -> float:
        """Walking metres from a committee (a committees-table row) to a site."""
        return self.walk(row.id, sid) * self.circuity

    def _committees(self) -> None:
        plan = self.plan
        for row in self.com.itertuples(index=False):
            cid = row.id
            sid = plan.assignment.get(cid)
            dist = None
            if sid is not None and sid in plan.areas and sid in self.site_rows:
                dist = self.distance(row, sid)
                self.served.append({"row": row, "site": sid, "dist": dist})
                self.members[sid].append(row)
            w = plan.workers.get(cid)
            if w is None:  # plan_integrity names the missing entry; the band check counts it as 0
                w = 0
            self.workers[cid] = w
            self.committees.append({
                "committee_id": cid, "street": row.street, "kind": row.kind, "households": int(row.households),
                "residents": int(row.residents), "site_id": sid,
                "distance_m": None if dist is None else round(dist, 2), "workers": int(w),
                "band_min": None, "band_max": None,
            })

    def floor_m2(self, sid: str) -> float:
        """All floor area built on a site: the facility's own plus any a rule adds (m²)."""
        from siteplan.rules import registered

        total = float(self.plan.areas[sid])
        for r in registered():
            for name in r.floor_fields:
                total += float(self.plan.extra.get(name, {}).get(sid, 0.0))
        return total


def _facility(ctx: CheckContext, sid: str, area: float) -> dict:
    s = ctx.site(sid)
    existing = float(s["existing_area_m2"])
    members = ctx.members[sid]
    # legacy fields in their plan.json order; the rules fill the ones they own
    return {
        "site_id": sid, "street": s["street"], "kind": s["kind"],
        "status": "existing" if existing > 0 and area <= existing + AREA_TOL else
                  "expanded" if existing > 0 else "new",
        "area_m2": round(area, 3), "existing_area_m2": existing, "min_area_m2": None,
        "max_area_m2": float(s["max_area_m2"]), "served_committees": 0,
        "served_households": sum(int(r.households) for r in members),
        "served_residents": sum(int(r.residents) for r in members),
        "area_need_m2": None, "windows": 0, "staff": 0, "open_hours_per_day": None,
        "capex": None, "opex_per_year": None, "x": float(s[ctx.cx]), "y": float(s[ctx.cy]),
    }


def _facility_money(ctx: CheckContext, f: dict) -> tuple[float, float]:
    """(capex, area opex a year) of one facility: the checker's own cost formula."""
    s = ctx.site(f["site_id"])
    existing = float(s["existing_area_m2"])
    floor = ctx.floor_m2(f["site_id"])
    fixed = 0.0 if existing > 0 else float(s["fixed_cost"])
    capex = fixed + float(s["cost_per_m2"]) * (floor - existing)
    opex_area = float(s["opex_per_m2_year"]) * floor
    f["capex"] = round(capex, 2)
    f["opex_per_year"] = round(opex_area + ctx.wage * f["staff"], 2)
    return capex, opex_area


def evaluate(scn: Scenario, plan: Plan, stated_totals: dict | None = None) -> Evaluation:
    """Recompute and verify everything about `plan` under `scn`; see the module docstring."""
    from siteplan.rules import registered

    rules = registered()
    spec = scn.spec
    chk = _Compliance(scn, enforce_coverage=spec.objective != Objective.MAX_COVERAGE)
    ctx = CheckContext(scn, plan)
    capex = opex_area = window_staff = 0.0
    for sid, area in plan.areas.items():
        if sid not in ctx.site_rows:
            continue
        f = _facility(ctx, sid, area)
        for r in rules:
            r.facility_facts(ctx, f)
        c, o = _facility_money(ctx, f)
        capex += c
        opex_area += o
        window_staff += f["staff"]
        ctx.facilities.append(f)
    counts: dict[str, int] = {}
    for com in ctx.committees:
        if com["site_id"] is not None:
            counts[com["site_id"]] = counts.get(com["site_id"], 0) + 1
    for f in ctx.facilities:
        f["served_committees"] = counts.get(f["site_id"], 0)
    for r in rules:  # facilities a rule prices itself (facility types), less their savings
        c, o = r.costs(ctx)
        capex += c
        opex_area += o
    wage = spec.costs.worker_per_year
    all_workers = sum(c["workers"] for c in ctx.committees)
    ctx.capex = capex
    ctx.opex = opex_area + wage * all_workers + wage * window_staff
    for r in rules:
        r.check(ctx, chk)

    totals = _totals(ctx, capex, opex_area, window_staff)
    for r in rules:
        r.totals(ctx, totals)
    if stated_totals:
        _check_stated(chk, stated_totals, totals)
    return Evaluation(facilities=ctx.facilities, committees=ctx.committees, totals=totals,
                      compliance=chk.rows, violations=chk.violations, type_facilities=ctx.type_facilities)


def _totals(ctx: CheckContext, capex: float, opex_area: float, window_staff: float) -> dict:
    """The plan's totals (plan.json `totals`), from the facts and the checker's costs."""
    spec, plan, wage = ctx.spec, ctx.plan, ctx.wage
    committees, facilities = ctx.committees, ctx.facilities
    com = ctx.com
    all_workers = sum(c["workers"] for c in committees)
    covered = [c for c in committees if c["site_id"] is not None]
    total_area = sum(plan.areas.get(f["site_id"], 0.0) for f in facilities)
    covered_hh = sum(c["households"] for c in covered)
    urban_res = int(com.loc[com["kind"] == "urban", "residents"].sum())
    urban_workers = sum(c["workers"] for c in committees if c["kind"] == "urban")
    density = 1e4 * urban_workers / urban_res if urban_res else None
    worker_cost = wage * all_workers
    opex = ctx.opex
    walks = [(s["dist"], int(s["row"].residents)) for s in ctx.served]
    res_total = int(com["residents"].sum())
    res_cov = sum(c["residents"] for c in covered)
    walk_d = np.array([d for d, _ in walks]) if walks else np.zeros(0)
    walk_w = np.array([w for _, w in walks], dtype=float) if walks else np.zeros(0)
    totals = {
        "capex": round(capex, 2),
        "opex_per_year": round(opex, 2),
        "opex_area_per_year": round(opex_area, 2),
        "opex_workers_per_year": round(worker_cost + wage * window_staff, 2),
        "horizon_years": spec.costs.horizon_years,
        "total_cost": round(capex + spec.costs.horizon_years * opex, 2),
        "facility_cost": round(capex + spec.costs.horizon_years * opex_area, 2),
        "sites_open": len(facilities),
        "sites_new": sum(1 for f in facilities if f["status"] == "new"),
        "sites_expanded": sum(1 for f in facilities if f["status"] == "expanded"),
        "floor_area_m2": round(total_area, 2),
        "area_per_100_households": round(100 * total_area / covered_hh, 3) if covered_hh else None,
        "workers": all_workers,
        "window_staff": int(window_staff),
        "windows": sum(f["windows"] for f in facilities),
        "workers_per_10k_urban": None if density is None else round(density, 3),
        "committees": len(committees),
        "committees_covered": len(covered),
        "residents": res_total,
        "residents_covered": res_cov,
        "coverage_share": round(res_cov / res_total, 6) if res_total else None,
        "mean_walk_m": round(float(np.average(walk_d, weights=walk_w)), 1) if walks else None,
        "p95_walk_m": round(_weighted_quantile(walk_d, walk_w, 0.95), 1) if walks else None,
    }
    return totals


def _check_stated(chk: _Compliance, stated: dict, totals: dict) -> None:
    """plan.json's stated totals against what the plan produces."""
    for key in STATED_TOTALS:
        if key in stated and stated[key] is not None and key in totals:
            a, b = float(stated[key]), float(totals[key])
            # counts exactly; floor area to the 2 decimals it is stated with; money within a yuan
            tol = 0.5 if key in COUNT_TOTALS else 0.01 if key == "floor_area_m2" else MONEY_TOL + 1e-6 * abs(b)
            if abs(a - b) > tol:
                chk.add("stated_totals", f"totals.{key}", b, a, False, op="=",
                        note="plan.json states a figure that the plan does not produce")


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, q * cum[-1])]) if len(v) else 0.0
