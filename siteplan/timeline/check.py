"""The independent checker of a timeline plan: every year's rules, and the links between years.

Each year's plan is checked by `siteplan.plan.evaluate` against that year's scenario (its
households, milestone values, opex budget), exactly as a single-period plan. What links the
years is recomputed here from the plans and the tables alone, with this module's own
arithmetic and no model code: a site once open stays open, floor only grows, a served
committee keeps its site (or stays served, with reassign), coverage milestones, the same
three links and the milestone for each facility type, and each
year's capex (the growth of the checker's own capex of what stands) within that year's
budget, or within the budgets so far with carry-over. It also derives the build schedule
and the yearly totals that plan.json states, and compares the stated ones.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from siteplan.decisions import Plan
from siteplan.plan import AREA_TOL, MONEY_TOL, Evaluation, _Compliance, evaluate, leq


@dataclass
class TimelineEvaluation:
    years: tuple[int, ...]
    evaluations: list[Evaluation]
    compliance: list[dict]  # every year's rows and the link rows, each with its year
    violations: list[dict]
    schedule: list[dict]
    by_year: list[dict]  # totals per year
    totals: dict
    combined: Evaluation = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def ok(self) -> bool:
        return not self.violations


def _floors(plan: Plan, sid: str) -> float:
    return float(plan.areas.get(sid, 0.0)) + sum(float(v.get(sid, 0.0)) for v in plan.extra.values())


def _links(scn, plans: list[Plan], chk: _Compliance) -> None:
    tl = scn.timeline
    years = tl.years
    for i in range(1, len(years)):
        a, b, y = plans[i - 1], plans[i], years[i]
        closed = sorted(s for s in a.areas if s not in b.areas)
        chk.add("open_keep", f"{y}: all {len(a.areas)} sites open in {years[i - 1]}", 0, len(closed), not closed,
                op="=", note=f"closed: {', '.join(closed[:5])}" if closed else "")
        chk.rows[-1]["year"] = y
        shrunk = sorted(s for s in a.areas if s in b.areas and _floors(b, s) < _floors(a, s) - AREA_TOL)
        for field_ in {k for p in (a, b) for k in p.extra}:
            shrunk += [s for s, v in a.extra[field_].items() if field_ in a.extra and
                       float(b.extra.get(field_, {}).get(s, 0.0)) < float(v) - AREA_TOL and s not in shrunk]
        chk.add("floor_keep", f"{y}: all {len(a.areas)} sites", 0, len(shrunk), not shrunk, op="=",
                note=f"floor shrinks at: {', '.join(sorted(shrunk)[:5])}" if shrunk else "")
        chk.rows[-1]["year"] = y
        moved = []
        for cid, sid in a.assignment.items():
            if sid is None:
                continue
            now = b.assignment.get(cid)
            if now is None or (not tl.reassign and now != sid):
                moved.append(cid)
        what = "left unserved" if tl.reassign else "moved or left unserved"
        chk.add("assign_keep", f"{y}: all committees served in {years[i - 1]}", 0, len(moved), not moved,
                op="=", note=f"{what}: {', '.join(moved[:5])}" if moved else "")
        chk.rows[-1]["year"] = y
    _type_links(scn, plans, chk)
    by_year = tl.milestones.get("coverage")
    if by_year:
        for scn_i, plan, y in zip(tl.scenarios, plans, years):
            target = scn_i.standards.coverage or {}
            com = scn_i.tables.committees
            for kind in ("urban", "rural"):
                ids = com.loc[com["kind"] == kind, "id"]
                need = math.ceil(float(target.get(kind, 0.0)) * len(ids) - 1e-9)
                if not len(ids) or need <= 0:
                    continue
                have = sum(1 for c in ids if plan.assignment.get(c) in plan.areas)
                chk.add("coverage_milestone", f"{y}: {kind} committees", need, have, have >= need,
                        note=f"share {float(target.get(kind, 0.0)):g} of {len(ids)}")
                chk.rows[-1]["year"] = y


def _type_links(scn, plans: list[Plan], chk: _Compliance) -> None:
    """Per facility type: open stays open, area only grows, a served committee keeps its plot
    (or stays served, with reassign), and the coverage milestone, from the plans alone."""
    tl, ts = scn.timeline, scn.types
    if ts is None:
        return
    years = tl.years
    for t in (t.name for t in ts.types):
        for i in range(1, len(years)):
            a, b, y = plans[i - 1], plans[i], years[i]
            fa, fb = a.type_areas.get(t, {}), b.type_areas.get(t, {})
            closed = sorted(s for s in fa if s not in fb)
            chk.add("type_open_keep", f"{y}: {t}: all {len(fa)} plots open in {years[i - 1]}", 0, len(closed),
                    not closed, op="=", note=f"closed: {', '.join(closed[:5])}" if closed else "")
            chk.rows[-1]["year"] = y
            shrunk = sorted(s for s in fa if s in fb and float(fb[s]) < float(fa[s]) - AREA_TOL)
            chk.add("type_area_keep", f"{y}: {t}: all {len(fa)} plots", 0, len(shrunk), not shrunk, op="=",
                    note=f"area shrinks at: {', '.join(shrunk[:5])}" if shrunk else "")
            chk.rows[-1]["year"] = y
            ga, gb = a.type_assignment.get(t, {}), b.type_assignment.get(t, {})
            moved = [c for c, s in ga.items() if s is not None and (gb.get(c) is None or
                                                                     (not tl.reassign and gb.get(c) != s))]
            chk.add("type_assign_keep", f"{y}: {t}: all committees served in {years[i - 1]}", 0, len(moved),
                    not moved, op="=", note=f"moved or left unserved: {', '.join(moved[:5])}" if moved else "")
            chk.rows[-1]["year"] = y
        if not tl.milestones.get("coverage"):
            continue
        for scn_i, plan, y in zip(tl.scenarios, plans, years):
            target = scn_i.standards.coverage or {}
            com = scn_i.tables.committees
            open_ = plan.type_areas.get(t, {})
            for kind in ("urban", "rural"):
                ids = com.loc[com["kind"] == kind, "id"]
                need = math.ceil(float(target.get(kind, 0.0)) * len(ids) - 1e-9)
                if not len(ids) or need <= 0:
                    continue
                have = sum(1 for c in ids if plan.type_assignment.get(t, {}).get(c) in open_)
                chk.add("type_coverage_milestone", f"{y}: {t}: {kind} committees", need, have, have >= need,
                        note=f"share {float(target.get(kind, 0.0)):g} of {len(ids)}")
                chk.rows[-1]["year"] = y


def _spend(scn, evs: list[Evaluation], chk: _Compliance) -> list[float]:
    """Capex spent each year (growth of the checker's capex of what stands), checked."""
    tl = scn.timeline
    stands = [float(ev.totals["capex"]) for ev in evs]
    spent = [stands[0]] + [b - a for a, b in itertools.pairwise(stands)]
    for i, y in enumerate(tl.years):
        cap = tl.capex_cap(i)
        if cap is None:
            continue
        used = stands[i] if tl.carry_over else spent[i]
        scope = f"{y}: spent by {y}" if tl.carry_over else f"{y}: spent in {y}"
        chk.add("budget_capex_year", scope, cap, round(used, 2), leq(used, cap, MONEY_TOL), op="<=")
        chk.rows[-1]["year"] = y
    return spent


def _schedule(scn, plans: list[Plan], evs: list[Evaluation]) -> list[dict]:
    """Which site opens or grows in which year, by how many m², at what capex."""
    out = []
    before: dict[str, tuple[float, float]] = {}  # site -> (floor, capex) the year before
    sit = scn.tables.sites.set_index("id")
    for y, plan, ev in zip(scn.timeline.years, plans, evs):
        capex = {f["site_id"]: float(f["capex"]) for f in ev.facilities}
        for sid in plan.areas:
            if sid not in capex:
                continue
            floor = _floors(plan, sid)
            existing = float(sit.loc[sid, "existing_area_m2"]) if sid in sit.index else 0.0
            f0, c0 = before.get(sid, (existing, 0.0))
            if sid not in before or floor > f0 + AREA_TOL:
                action = "open" if sid not in before and existing <= 0 else "expand" if floor > f0 + AREA_TOL else "keep"
                if action != "keep":
                    out.append({"site_id": sid, "year": y, "action": action, "area_m2": round(floor, 3),
                                "area_added_m2": round(floor - f0, 3), "capex": round(capex[sid] - c0, 2)})
            before[sid] = (floor, capex[sid])
    out = [dict(r, type="service") for r in out]
    if scn.types is not None:
        out += _type_schedule(scn, plans, evs)
    return sorted(out, key=lambda r: (r["year"], r["site_id"], r["type"] != "service", r["type"]))


def _type_schedule(scn, plans: list[Plan], evs: list[Evaluation]) -> list[dict]:
    """Which plot opens or grows a facility type in which year, by how many m², at what capex
    less the co-location saving a plot gains that year, so the rows add up to the plan's capex)."""
    from siteplan.rules._types_check import _saving

    out = []
    before: dict[tuple[str, str], tuple[float, float]] = {}
    saved: dict[str, float] = {}  # plot -> co-location saving taken so far
    for y, plan, ev in zip(scn.timeline.years, plans, evs):
        gain = {}
        for sid in {r["site_id"] for r in ev.type_facilities}:
            present = (["service"] if sid in plan.areas else []) + [
                t.name for t in scn.types.types if sid in plan.type_areas.get(t.name, {})]
            now = _saving(scn.types, present)
            gain[sid], saved[sid] = now - saved.get(sid, 0.0), now
        for rec in ev.type_facilities:
            key = (rec["type"], rec["site_id"])
            f0, c0 = before.get(key, (0.0, 0.0))
            area, capex = float(rec["area_m2"]), float(rec["capex"])
            if key not in before or area > f0 + AREA_TOL:
                less = gain.pop(key[1], 0.0)
                out.append({"site_id": key[1], "year": y, "type": key[0],
                            "action": "open" if key not in before else "expand", "area_m2": round(area, 3),
                            "area_added_m2": round(area - f0, 3), "capex": round(capex - c0 - less, 2)})
            before[key] = (area, capex)
    return out


#: per-type totals of a year (siteplan/rules/_types_check.py) kept in its totals_by_year row
TYPE_TOTALS = ("sites_open_", "area_m2_", "committees_covered_", "co_location_saving")


def evaluate_timeline(scn, plans: list[Plan], stated: dict | None = None) -> TimelineEvaluation:
    """Check every year of `plans` (one per timeline year) and the links; see the docstring."""
    tl = scn.timeline
    if len(plans) != len(tl.years):
        raise ValueError(f"{len(plans)} yearly plans for {len(tl.years)} years")
    evs = [evaluate(scn_i, p) for scn_i, p in zip(tl.scenarios, plans)]
    chk = _Compliance(scn, enforce_coverage=True)
    rows, violations = [], []
    for y, ev in zip(tl.years, evs):
        rows += [dict(r, year=y, scope=f"{y}: {r['scope']}") for r in ev.compliance]
        violations += [dict(v, year=y, scope=f"{y}: {v['scope']}") for v in ev.violations]
    _links(scn, plans, chk)
    spent = _spend(scn, evs, chk)
    by_year = []
    total = facility = undiscounted = 0.0
    for i, (y, ev) in enumerate(zip(tl.years, evs)):
        t = ev.totals
        d = tl.discount(y)
        cost = spent[i] + t["opex_per_year"]
        total += d * cost
        undiscounted += cost
        facility += d * (spent[i] + t["opex_area_per_year"])
        by_year.append({"year": y, "capex_spent": round(spent[i], 2), "capex_budget": tl.capex[y],
                        "opex": t["opex_per_year"], "opex_budget": tl.opex[y], "discount_factor": round(d, 6),
                        "discounted_cost": round(d * cost, 2), "sites_open": t["sites_open"],
                        "floor_area_m2": t["floor_area_m2"], "workers": t["workers"],
                        "workers_per_10k_urban": t["workers_per_10k_urban"],
                        "committees_covered": t["committees_covered"], "residents": t["residents"],
                        "residents_covered": t["residents_covered"], "households": int(sum(c["households"] for c in ev.committees)),
                        **{k: v for k, v in t.items() if k.startswith(TYPE_TOTALS)}})
    last = dict(evs[-1].totals)
    last.update(years=len(tl.years), first_year=tl.years[0], last_year=tl.years[-1], horizon_years=len(tl.years),
                capex=round(sum(spent), 2), total_cost=round(total, 2), facility_cost=round(facility, 2),
                total_cost_undiscounted=round(undiscounted, 2), discount_rate=tl.discount_rate)
    if stated is not None:
        _stated(chk, stated, by_year, last)
    rows += chk.rows
    violations += chk.violations
    schedule = _schedule(scn, plans, evs)
    combined = Evaluation(facilities=evs[-1].facilities, committees=evs[-1].committees, totals=last,
                          type_facilities=evs[-1].type_facilities,
                          compliance=rows, violations=violations)
    return TimelineEvaluation(years=tl.years, evaluations=evs, compliance=rows, violations=violations,
                              schedule=schedule, by_year=by_year, totals=last, combined=combined)


def _stated(chk: _Compliance, stated: dict, by_year: list[dict], totals: dict) -> None:
    """plan.json's stated yearly figures against what the plans produce."""
    rows = {int(r.get("year", -1)): r for r in stated.get("totals_by_year", []) if isinstance(r, dict)}
    for mine in by_year:
        theirs = rows.get(mine["year"])
        for key in ("capex_spent", "opex", "workers", "residents_covered"):
            if theirs is None or theirs.get(key) is None:
                continue
            a, b = float(theirs[key]), float(mine[key])
            if abs(a - b) > MONEY_TOL + 1e-6 * abs(b):
                chk.add("stated_totals", f"{mine['year']}: by_year.{key}", b, a, False, op="=",
                        note="plan.json states a figure that the plan does not produce")
                chk.rows[-1]["year"] = mine["year"]
    for key in ("total_cost", "capex"):
        if isinstance(stated.get("totals"), dict) and stated["totals"].get(key) is not None:
            a, b = float(stated["totals"][key]), float(totals[key])
            if abs(a - b) > MONEY_TOL + 1e-6 * abs(b):
                chk.add("stated_totals", f"totals.{key}", b, a, False, op="=",
                        note="plan.json states a figure that the plan does not produce")


def check_document(scn, top: Plan, doc: dict, where: str) -> Evaluation:
    """`siteplan check` of a timeline folder: every year from plan.json's yearly plans, the
    links, the stated yearly figures, and that the top-level plan is the last year's."""
    from siteplan.timeline.outputs import plans_from_document, same_decisions

    plans = plans_from_document(doc, where, scn.timeline.years)
    stated = dict(doc.get("timeline") or {}, totals=doc.get("totals"))
    tev = evaluate_timeline(scn, plans, stated=stated)
    ev = tev.combined
    if not same_decisions(top, plans[-1]):
        row = {"rule": "timeline_final_year", "title": "top-level plan is the last year's", "scope": "plan.json",
               "op": "=", "required": scn.timeline.years[-1], "achieved": None, "ok": False, "kind": "model",
               "enforced": True, "overridden": False, "source": "", "status": "FAIL",
               "note": "plan.json's facilities/committees differ from timeline.plans' last year"}
        ev.compliance.append(row)
        ev.violations.append(row)
    return ev
