"""plan.json's `timeline` block, its CSV tables, and reading the yearly plans back.

The top-level `facilities`, `committees` and `totals` of a timeline plan are the last
year's (so every reader of single-period plans still reads a plan), with the totals' money
over the whole timeline; the `timeline` block adds a year to every decision:

    years, reassign, carry_over, discount_rate
    schedule         [{site_id, year, type, action: open|expand, area_m2, area_added_m2, capex}]
    totals_by_year   [{year, capex_spent, capex_budget, opex, opex_budget, discounted_cost, ...}]
    plans            [{year, facilities: [{site_id, area_m2, <rule floor fields>}],
                       committees: [{committee_id, site_id, workers, households, residents}],
                       with facility types also facility_types, type_facilities and <type>_site_id}]

CSV: schedule.csv, totals_by_year.csv, facilities_by_year.csv, committees_by_year.csv;
compliance.csv has a `year` column. `siteplan check` re-verifies every year from `plans`.
"""

from __future__ import annotations

from pathlib import Path

from siteplan.decisions import Plan
from siteplan.errors import InputError
from siteplan.fileio import write_csv_atomic


def timeline_block(outcome) -> dict | None:
    """The `timeline` block of a timeline outcome (None for a single-period one)."""
    tev = getattr(outcome, "timeline_eval", None)
    if tev is None:
        return None
    tl = outcome.scenario.timeline
    plans = []
    for y, plan, ev in zip(tev.years, outcome.plans, tev.evaluations):
        facilities = []
        for sid, area in plan.areas.items():
            f = {"site_id": str(sid), "area_m2": float(area)}
            for name, vals in plan.extra.items():
                if sid in vals:
                    f[name] = float(vals[sid])
            facilities.append(f)
        committees = [{"committee_id": c["committee_id"], "site_id": c["site_id"], "workers": c["workers"],
                       "households": c["households"], "residents": c["residents"]} for c in ev.committees]
        one = {"year": y, "facilities": facilities, "committees": committees}
        if plan.type_areas or plan.type_assignment:
            _with_types(one, plan)
        plans.append(one)
    return {"years": list(tev.years), "reassign": tl.reassign, "carry_over": tl.carry_over,
            "discount_rate": tl.discount_rate, "myopic_total_cost": getattr(outcome, "myopic_cost", None),
            "schedule": tev.schedule, "totals_by_year": tev.by_year, "plans": plans}


def _with_types(one: dict, plan: Plan) -> None:
    """A year's facility-type decisions in plan.json's single-period form (facility_types,
    type_facilities, committees' <type>_site_id), so plan_from_document reads them back."""
    names = sorted(set(plan.type_areas) | set(plan.type_assignment))
    one["facility_types"] = ["service", *names]
    one["type_facilities"] = [{"site_id": str(s), "type": t, "area_m2": float(a)}
                              for t in names for s, a in plan.type_areas.get(t, {}).items()]
    for c in one["committees"]:
        for t in names:
            c[f"{t}_site_id"] = plan.type_assignment.get(t, {}).get(c["committee_id"])


def write_timeline_files(doc: dict, out: Path) -> None:
    """The yearly CSV tables of a plan document with a timeline block."""
    tl = doc.get("timeline")
    if not tl:
        return
    write_csv_atomic(out / "schedule.csv", tl["schedule"],
                     columns=["site_id", "year", "type", "action", "area_m2", "area_added_m2", "capex"])
    write_csv_atomic(out / "totals_by_year.csv", tl["totals_by_year"])
    fac = [dict(f, year=p["year"]) for p in tl["plans"] for f in p["facilities"]]
    com = [dict(c, year=p["year"]) for p in tl["plans"] for c in p["committees"]]
    write_csv_atomic(out / "facilities_by_year.csv", fac)
    write_csv_atomic(out / "committees_by_year.csv", com)


def plans_from_document(doc: dict, where: str, years) -> list[Plan]:
    """Each year's decisions from plan.json's timeline block, every field type-checked."""
    from siteplan.report.outputs import plan_from_document

    tl = doc.get("timeline")
    if not isinstance(tl, dict) or not isinstance(tl.get("plans"), list):
        raise InputError("plan.json has no timeline.plans, but the scenario has a timeline", where=where,
                         fix="re-run siteplan solve to rewrite the folder")
    by_year = {}
    for i, p in enumerate(tl["plans"]):
        if not isinstance(p, dict) or not isinstance(p.get("year"), int):
            raise InputError(f"plan.json field timeline.plans[{i}] has no year", where=where,
                             fix="re-run siteplan solve to rewrite the folder")
        one = {k: p[k] for k in ("facility_types", "type_facilities") if k in p}
        by_year[p["year"]] = plan_from_document(dict(one, facilities=p.get("facilities"), committees=p.get("committees")),
                                                f"{where}: timeline.plans[{i}]")
    missing = [y for y in years if y not in by_year]
    if missing:
        raise InputError(f"plan.json's timeline has no plan for {missing[0]}", where=where,
                         fix="re-run siteplan solve to rewrite the folder")
    return [by_year[y] for y in years]


def same_decisions(a: Plan, b: Plan) -> bool:
    """The top-level plan is the last year's: same sites, areas, assignment, workers and types."""
    def close(p: dict, q: dict) -> bool:
        return set(p) == set(q) and all(abs(p[s] - q[s]) <= 1e-6 for s in p)

    return (close(a.areas, b.areas) and a.assignment == b.assignment and a.workers == b.workers
            and set(a.type_areas) == set(b.type_areas) and all(close(a.type_areas[t], b.type_areas[t]) for t in a.type_areas)
            and a.type_assignment == b.type_assignment)
