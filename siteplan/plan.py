"""A Plan (decisions only) and `evaluate`: the independent checker.

`evaluate` recomputes every rule, cost and coverage figure from the plan's decisions and the
scenario's tables alone. It does not use the instance arrays, the model or the solver, and
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

import math
from dataclasses import dataclass, field

import numpy as np

from siteplan import distance
from siteplan.scenario.load import Scenario

REL_TOL = 1e-6
NOT_DECLARED = "not declared"
NOT_ASSESSED = "not assessed"
AREA_TOL = 1e-3  # m²
MONEY_TOL = 1.0  # CNY


@dataclass
class Plan:
    """What a plan decides; everything else is derived by `evaluate`."""

    areas: dict[str, float]  # open site id -> floor area m²
    windows: dict[str, int]  # open site id -> service windows (window rule only)
    assignment: dict[str, str | None]  # committee id -> serving site id, or None
    workers: dict[str, int]  # committee id -> community workers


@dataclass
class Evaluation:
    facilities: list[dict]
    committees: list[dict]
    totals: dict
    compliance: list[dict]
    violations: list[dict] = field(default_factory=list)

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


def _leq(a: float, b: float, tol: float) -> bool:
    return a <= b + tol + REL_TOL * abs(b)


class _Compliance:
    """Collects compliance rows; failing enforced rows become violations."""

    def __init__(self, scn: Scenario, enforce_coverage: bool):
        self.scn = scn
        self.rows: list[dict] = []
        self.violations: list[dict] = []
        self.enforce_coverage = enforce_coverage

    def add(self, rule: str, scope: str, required, achieved, ok, *, enforced=True, note="",
            op=">=", status=None):
        meta = self.scn.standards.rule(rule)
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
                enforced=True, note=""):
        n_bad = sum(1 for ok in rows_ok if not ok)
        self.add(rule, f"all {len(rows_ok)} {entity}", required, worst,
                 n_bad == 0 if rows_ok else True, enforced=enforced, op=op,
                 note=note or (f"{n_bad} {entity} fail" if n_bad else ""))


#: the plan.json totals `evaluate` compares with what the plan produces
COUNT_TOTALS = ("workers", "residents_covered")
STATED_TOTALS = ("capex", "opex_per_year", "total_cost", "workers", "residents_covered", "floor_area_m2")


def evaluate(scn: Scenario, plan: Plan, stated_totals: dict | None = None) -> Evaluation:
    """Recompute and verify everything about `plan` under `scn`; see the module docstring."""
    spec, st, t = scn.spec, scn.standards, scn.tables
    com, sit = t.committees, t.sites
    circuity = spec.distance_spec.circuity
    cx, cy = t.coords
    objective = spec.objective
    declared = spec.facilities.model_fields_set  # what the scenario's `facilities:` block states
    chk = _Compliance(scn, enforce_coverage=objective != "max_coverage")
    site_rows = {sid: i for i, sid in enumerate(sit["id"])}
    walk = distance.get(spec.distance_spec.method).checker(t)  # the kind's own checker side

    # --- decisions refer to known things -------------------------------------------------
    for sid in plan.areas:
        if sid not in site_rows:
            chk.add("plan_integrity", f"facility:{sid}", "a site in the sites table", "unknown site", False, op="=")
    known_c = set(com["id"])
    for cid in set(plan.assignment) | set(plan.workers):
        if cid not in known_c:
            chk.add("plan_integrity", f"committee:{cid}", "a committee in the table", "unknown committee", False, op="=")
    missing = [c for c in com["id"] if plan.workers.get(c) is None]
    if missing:
        chk.add("plan_integrity", f"committee:{missing[0]}", "workers for every committee",
                f"{len(missing)} committees have no workers entry", False, op="=")

    # --- committees: reach, workers band -------------------------------------------------
    served_hh: dict[str, int] = {s: 0 for s in plan.areas}
    served_res: dict[str, int] = {s: 0 for s in plan.areas}
    served_need: dict[str, float] = {s: 0.0 for s in plan.areas}
    committees, reach_ok, band_ok, walks = [], [], [], []
    worst_reach = 0.0
    for row in com.itertuples(index=False):
        cid, kind = row.id, row.kind
        sid = plan.assignment.get(cid)
        rate = st.area_rate[kind]
        reach = spec.reach.metres(kind)
        dist = None
        if sid is not None:
            if sid not in plan.areas:
                chk.add("served_by_open_site", f"committee:{cid}", "an open site", f"{sid} (not open)", False, op="=")
            elif sid in site_rows:
                s = sit.iloc[site_rows[sid]]
                dist = walk(cid, sid) * circuity
                ok = _leq(dist, reach, 1e-6) and not bool(s["excluded"])
                reach_ok.append(ok)
                worst_reach = max(worst_reach, dist / reach)
                if not ok:
                    chk.add("walking_reach", f"committee:{cid}", round(reach, 1), round(dist, 1), False, op="<=",
                            note=f"served by {sid}")
                served_hh[sid] += int(row.households)
                served_res[sid] += int(row.residents)
                served_need[sid] += rate * row.households / 100.0
                walks.append((dist, int(row.residents)))
        w = plan.workers.get(cid)
        if w is None:  # plan_integrity names the missing entry; the band check counts it as 0
            w = 0
        band = st.band_for(int(row.households), kind)
        ok_band = band is not None and float(w).is_integer() and band.min <= w <= band.max
        band_ok.append(ok_band)
        if not ok_band:
            chk.add("committee_workers", f"committee:{cid}", f"{band.min}–{band.max}" if band else "a band",
                    w, False, op="in")
        committees.append({
            "committee_id": cid, "street": row.street, "kind": kind, "households": int(row.households),
            "residents": int(row.residents), "site_id": sid, "distance_m": None if dist is None else round(dist, 2),
            "workers": int(w), "band_min": band.min if band else None, "band_max": band.max if band else None,
        })
    # achieved keeps its precision: a rounded worst case could print exactly as the limit it fails
    chk.summary("walking_reach", "served committees", reach_ok, worst_reach, 1.0, op="<=",
                note="achieved = worst distance / reach")
    chk.summary("committee_workers", "committees", band_ok, None, "band by households", op="in")

    # --- facilities: area rules, windows, costs -----------------------------------------
    wage = spec.costs.worker_per_year
    win = st.windows
    facilities = []
    capex = opex_area = window_staff = 0.0
    for sid, area in plan.areas.items():
        if sid not in site_rows:
            continue
        s = sit.iloc[site_rows[sid]]
        existing = float(s["existing_area_m2"])
        kind = s["kind"]
        amin = st.min_area[kind]
        need = served_need[sid]
        if not _leq(area, float(s["max_area_m2"]), AREA_TOL):
            chk.add("max_area", f"facility:{sid}", float(s["max_area_m2"]), area, False, op="<=")
        if not _leq(existing, area, AREA_TOL):
            chk.add("existing_kept", f"facility:{sid}", existing, area, False, note="existing area may not shrink")
        if not _leq(amin, area, AREA_TOL):
            chk.add("min_facility_area_m2", f"facility:{sid}", amin, area, False)
        if st.area_scope == "facility" and not _leq(need, area, AREA_TOL):
            chk.add("area_per_100_households", f"facility:{sid}", round(need, 3), area, False,
                    note=f"serves {served_hh[sid]:,} households")
        if bool(s["excluded"]):
            chk.add("site_excluded", f"facility:{sid}", "closed", "open", False, op="=")
        n_win = staff = 0
        if win:
            n_win = int(plan.windows.get(sid, 0))
            needed = math.ceil(served_res[sid] / win.residents_per_window - 1e-9)
            if n_win < needed:
                chk.add("windows", f"facility:{sid}", needed, n_win, False,
                        note=f"{served_res[sid]:,} residents served")
            staff = n_win + win.extra_staff
        fixed = 0.0 if existing > 0 else float(s["fixed_cost"])
        f_capex = fixed + float(s["cost_per_m2"]) * (area - existing)
        f_opex = float(s["opex_per_m2_year"]) * area + wage * staff
        capex += f_capex
        opex_area += float(s["opex_per_m2_year"]) * area
        window_staff += staff
        hours = s.get("open_hours_per_day", math.nan) if "open_hours_per_day" in s.index else math.nan
        if hours is None or math.isnan(hours):  # the site's own hours, else the scenario's, else unknown
            hours = spec.facilities.open_hours_per_day if "open_hours_per_day" in declared else None
        else:
            hours = float(hours)
        facilities.append({
            "site_id": sid, "street": s["street"], "kind": kind,
            "status": "existing" if existing > 0 and area <= existing + AREA_TOL else
                      "expanded" if existing > 0 else "new",
            "area_m2": round(area, 3), "existing_area_m2": existing, "min_area_m2": amin,
            "max_area_m2": float(s["max_area_m2"]), "served_committees": 0,
            "served_households": served_hh[sid], "served_residents": served_res[sid],
            "area_need_m2": round(need, 3), "windows": n_win, "staff": staff,
            "open_hours_per_day": hours, "capex": round(f_capex, 2), "opex_per_year": round(f_opex, 2),
            "x": float(s[cx]), "y": float(s[cy]),
        })
    counts = {}
    for c in committees:
        if c["site_id"] is not None:
            counts[c["site_id"]] = counts.get(c["site_id"], 0) + 1
    for f in facilities:
        f["served_committees"] = counts.get(f["site_id"], 0)
    must_open = sit[(sit["existing_area_m2"] > 0) | sit["required"]]["id"]
    for sid in must_open:
        if sid not in plan.areas:
            chk.add("must_stay_open", f"facility:{sid}", "open", "closed", False, op="=",
                    note="existing facilities stay open; required sites must open")

    # area per 100 households (city summary; street rows for street scope)
    covered = [c for c in committees if c["site_id"] is not None]
    total_area = sum(plan.areas.get(f["site_id"], 0.0) for f in facilities)
    covered_hh = sum(c["households"] for c in covered)
    if st.area_scope == "street":
        street_area: dict[str, float] = {}
        for f in facilities:
            street_area[f["street"]] = street_area.get(f["street"], 0.0) + f["area_m2"]
        street_need: dict[str, float] = {}
        for c in covered:
            street_need[c["street"]] = street_need.get(c["street"], 0.0) + st.area_rate[c["kind"]] * c["households"] / 100
        for street, need in sorted(street_need.items()):
            have = street_area.get(street, 0.0)
            chk.add("area_per_100_households", f"street:{street}", round(need, 2), round(have, 2),
                    _leq(need, have, AREA_TOL), note="m² of facilities in the street vs its households' need")
    else:
        fac_ok = [_leq(f["area_need_m2"], f["area_m2"], AREA_TOL) for f in facilities]
        chk.summary("area_per_100_households", "facilities", fac_ok,
                    round(100 * total_area / covered_hh, 2) if covered_hh else None,
                    st.area_rate, note="achieved = city m² per 100 covered households")
    mins_ok = [_leq(f["min_area_m2"], f["area_m2"], AREA_TOL) for f in facilities]
    chk.summary("min_facility_area_m2", "facilities", mins_ok,
                min((f["area_m2"] for f in facilities), default=None), st.min_area)

    # workers per 10k urban residents
    urban_res = int(com.loc[com["kind"] == "urban", "residents"].sum())
    urban_workers = sum(c["workers"] for c in committees if c["kind"] == "urban")
    all_workers = sum(c["workers"] for c in committees)
    density = 1e4 * urban_workers / urban_res if urban_res else None
    need_workers = st.workers_per_10k_urban * urban_res / 1e4
    chk.add("workers_per_10k_urban", "city", st.workers_per_10k_urban, density,
            urban_res == 0 or urban_workers >= math.ceil(need_workers - 1e-9),
            note=f"{urban_workers:,} workers for {urban_res:,} urban residents")
    if win:
        chk.summary("windows", "facilities",
                    [f["windows"] >= math.ceil(f["served_residents"] / win.residents_per_window - 1e-9)
                     for f in facilities], None, f"1 per {win.residents_per_window} residents, staff N+{win.extra_staff}")

    # coverage (enforced as 100% unless the objective is max_coverage)
    for kind in ("urban", "rural"):
        total_k = [c for c in committees if c["kind"] == kind]
        if not total_k:
            continue
        share = sum(1 for c in total_k if c["site_id"] is not None) / len(total_k)
        target = st.coverage[kind]
        chk.add("coverage", f"city:{kind}", target, round(share, 4), share >= target - 1e-9,
                enforced=False, note=f"share of {kind} committees served within reach")
    if chk.enforce_coverage:
        uncovered = [c["committee_id"] for c in committees if c["site_id"] is None]
        chk.add("every_committee_served", "city", 1.0, round(1 - len(uncovered) / len(committees), 4),
                not uncovered, note=(f"uncovered: {', '.join(uncovered[:5])}" if uncovered else ""))

    # declared facts: a fact the scenario never states is "not declared", never met by default
    def undeclared(rule, scope, required, note):
        chk.add(rule, scope, required, None, None, enforced=False, status=NOT_DECLARED, note=note)

    hours = [f["open_hours_per_day"] for f in facilities]
    known = [h for h in hours if h is not None]
    short = [h for h in known if h < st.open_hours_per_day]
    if hours and len(known) < len(hours) and not short:
        undeclared("open_hours_per_day", "all facilities", st.open_hours_per_day,
                   f"not declared by the scenario ({len(hours) - len(known)} of {len(hours)} facilities "
                   "without hours; set facilities.open_hours_per_day or a sites column)")
    else:
        chk.add("open_hours_per_day", "all facilities", st.open_hours_per_day, min(known) if known else None,
                not short, enforced=False, note="declared by the scenario")
    for rule, scope in (("activity_share", "all facilities"), ("certified_share", "city")):
        required, value = getattr(st, rule), getattr(spec.facilities, rule)
        if rule in declared:
            chk.add(rule, scope, required, value, value >= required, enforced=False, note="declared by the scenario")
        else:
            undeclared(rule, scope, required, f"not declared by the scenario (set facilities.{rule})")
    for r in st.rules:
        if not r.get("assessed", True):
            chk.add(r["id"], "city", r["value"], None, None, enforced=False, note="not assessed by siteplan",
                    status=NOT_ASSESSED)

    # costs and budgets
    worker_cost = wage * all_workers
    opex = opex_area + worker_cost + wage * window_staff
    if spec.budget.capex is not None:
        chk.add("budget_capex", "city", spec.budget.capex, round(capex, 2),
                _leq(capex, spec.budget.capex, MONEY_TOL), op="<=")
    if spec.budget.opex_per_year is not None:
        chk.add("budget_opex", "city", spec.budget.opex_per_year, round(opex, 2),
                _leq(opex, spec.budget.opex_per_year, MONEY_TOL), op="<=")

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
    if stated_totals:
        for key in STATED_TOTALS:
            if key in stated_totals and stated_totals[key] is not None:
                a, b = float(stated_totals[key]), float(totals[key])
                # counts exactly; floor area to the 2 decimals it is stated with; money within a yuan
                tol = 0.5 if key in COUNT_TOTALS else 0.01 if key == "floor_area_m2" else MONEY_TOL + 1e-6 * abs(b)
                if abs(a - b) > tol:
                    chk.add("stated_totals", f"totals.{key}", b, a, False, op="=",
                            note="plan.json states a figure that the plan does not produce")
    return Evaluation(facilities=facilities, committees=committees, totals=totals,
                      compliance=chk.rows, violations=chk.violations)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, q * cum[-1])]) if len(v) else 0.0
