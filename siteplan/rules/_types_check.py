"""The checker side of facility types, written apart from the model rows
(siteplan/rules/facility_types.py): from the plan's `type_areas` and `type_assignment` and the
scenario's tables alone, with its own arithmetic and its own walking distances.

It verifies each type's coverage and reach, its area per 100 households and minimum size, that
a plot hosts only the types its `types` cell allows, that all types on a plot fit its
max_area_m2 together, the street centres of a "1+N" type, and it prices the types' facilities
and the co-location saving itself (the stated totals are compared with these by `evaluate`).
"""

from __future__ import annotations

from itertools import combinations

from siteplan.rules.base import AREA_TOL, leq

SERVICE = "service"


def _may_host(ctx, sid: str) -> set[str] | None:
    """The types a plot's `types` cell allows (None: every type)."""
    s = ctx.site(sid)
    cell = str(s["types"]) if "types" in ctx.sit.columns else ""
    return None if not cell.strip() else {t.strip() for t in cell.split(";")}


def _rate(t, row) -> float:
    if row.kind != "urban":
        return t.rate["rural"]
    if "new" in t.rate:
        return t.rate["new"] if (getattr(row, "residential", "") or "built") == "new" else t.rate["built"]
    return t.rate["urban"]


def _price(ctx, t, sid: str, key: str, column: str) -> float:
    v = t.costs.get(key)
    return float(v) if v is not None else float(ctx.site(sid)[column])


def _plots(ctx) -> dict[str, list[str]]:
    """Known plot id -> the types open on it (service first)."""
    ts, plan = ctx.scn.types, ctx.plan
    out: dict[str, list[str]] = {sid: [SERVICE] for sid in plan.areas if sid in ctx.site_rows}
    for t in ts.types:
        for sid in plan.type_areas.get(t.name, {}):
            if sid in ctx.site_rows:
                out.setdefault(sid, []).append(t.name)
    return out


def _saving(ts, present: list[str]) -> float:
    if len(present) < 2:
        return 0.0
    if ts.saving is not None:
        return float(ts.saving)
    return sum(ts.pairs.get(frozenset(p), 0.0) for p in combinations(sorted(present), 2))


def facility_facts(ctx, f: dict) -> None:
    ts = ctx.scn.types
    if ts is None:
        return
    sid = f["site_id"]
    present = [SERVICE] + [t.name for t in ts.types if sid in ctx.plan.type_areas.get(t.name, {})]
    f["types"] = ";".join(present)
    for t in ts.types:
        if sid in ctx.plan.type_areas.get(t.name, {}):
            f[f"area_m2_{t.name}"] = float(ctx.plan.type_areas[t.name][sid])


def costs(ctx) -> tuple[float, float]:
    """Type facility records (ctx.type_facilities), committees' per-type fields, and the
    (capex, floor opex a year) of the types' facilities less the co-location saving."""
    ts = ctx.scn.types
    if ts is None:
        return 0.0, 0.0
    plan = ctx.plan
    rows = {r.id: r for r in ctx.com.itertuples(index=False)}
    capex = opex = 0.0
    for t in ts.types:
        assign = plan.type_assignment.get(t.name, {})
        areas = plan.type_areas.get(t.name, {})
        members: dict[str, list] = {sid: [] for sid in areas}
        for com in ctx.committees:
            cid = com["committee_id"]
            sid = assign.get(cid)
            com[f"{t.name}_site_id"] = sid
            dist = None
            if sid in members and sid in ctx.site_rows:
                members[sid].append(rows[cid])
                dist = ctx.distance(rows[cid], sid)
            com[f"{t.name}_distance_m"] = None if dist is None else round(dist, 2)
        for sid, area in areas.items():
            if sid not in ctx.site_rows:
                continue
            s = ctx.site(sid)
            need = sum(_rate(t, r) * int(r.households) / 100.0 for r in members[sid])
            c = _price(ctx, t, sid, "fixed", "fixed_cost") + _price(ctx, t, sid, "per_m2", "cost_per_m2") * area
            o = _price(ctx, t, sid, "opex_per_m2_year", "opex_per_m2_year") * area
            capex, opex = capex + c, opex + o
            ctx.type_facilities.append({
                "site_id": sid, "type": t.name, "title": t.title, "street": s["street"], "area_m2": float(area),
                "min_area_m2": t.min_area, "area_need_m2": round(need, 3), "max_area_m2": float(s["max_area_m2"]),
                "served_committees": len(members[sid]),
                "served_households": sum(int(r.households) for r in members[sid]),
                "capex": round(c, 2), "opex_per_year": round(o, 2), "co_located": False,
                "x": float(s[ctx.cx]), "y": float(s[ctx.cy])})
    saving = 0.0
    for sid, present in _plots(ctx).items():
        save = _saving(ts, present)
        saving += save
        for rec in ctx.type_facilities:
            if rec["site_id"] == sid:
                rec["co_located"] = len(present) > 1
    ctx.co_location_saving = saving
    return capex - saving, opex


def check(ctx, chk) -> None:
    ts = ctx.scn.types
    if ts is None:
        return
    plan = ctx.plan
    for sid in plan.areas:
        allowed = _may_host(ctx, sid) if sid in ctx.site_rows else None
        if allowed is not None and SERVICE not in allowed:
            chk.add("type_site", f"facility:{sid}:service", "; ".join(sorted(allowed)), SERVICE, False, op="in")
    for t in ts.types:
        _check_type(ctx, chk, t)
    bad_caps = []
    for sid, present in _plots(ctx).items():
        if present == [SERVICE]:
            continue
        floor = (ctx.floor_m2(sid) if sid in plan.areas else 0.0) + sum(
            float(plan.type_areas[t][sid]) for t in present if t != SERVICE)
        cap = float(ctx.site(sid)["max_area_m2"])
        ok = leq(floor, cap, AREA_TOL)
        bad_caps.append(ok)
        if not ok:
            chk.add("shared_plot_cap", f"plot:{sid}", cap, round(floor, 3), False, op="<=",
                    note=f"{', '.join(present)} share the plot")
    chk.summary("shared_plot_cap", "shared plots", bad_caps, None, "max_area_m2", op="<=")


def _check_type(ctx, chk, t) -> None:
    plan = ctx.plan
    areas = plan.type_areas.get(t.name, {})
    assign = plan.type_assignment.get(t.name, {})
    recs = {r["site_id"]: r for r in ctx.type_facilities if r["type"] == t.name}
    for sid in areas:
        if sid not in ctx.site_rows:
            chk.add("type_site", f"{t.name}:{sid}", "a known site", "unknown", False, op="=")
            continue
        allowed = _may_host(ctx, sid)
        if bool(ctx.site(sid)["excluded"]) or (allowed is not None and t.name not in allowed):
            chk.add("type_site", f"{t.name}:{sid}", "; ".join(sorted(allowed or ["-"])), t.name, False, op="in")
    served, reach_ok, area_ok, min_ok = [], [], [], []
    for com in ctx.committees:
        sid = assign.get(com["committee_id"])
        ok = sid in recs
        if sid is None and ctx.scn.types.partial and com["kind"] not in ctx.scn.due:
            continue  # a timeline year before the last: the committee may wait (links: timeline/check.py)
        served.append(ok)
        if not ok:
            chk.add("type_coverage", f"{t.name}:committee:{com['committee_id']}", "served", sid or "none", False,
                    op="=", note=f"no open {t.name} facility serves it")
            continue
        limit = t.reach_m(com["kind"])
        dist = com[f"{t.name}_distance_m"]
        ok = leq(dist, limit, 0.01)
        reach_ok.append(ok)
        if not ok:
            chk.add("type_reach", f"{t.name}:committee:{com['committee_id']}", limit, dist, False, op="<=")
    for sid, rec in recs.items():
        area = rec["area_m2"]
        ok = leq(rec["area_need_m2"], area, AREA_TOL)
        area_ok.append(ok)
        if not ok:
            chk.add("type_area", f"{t.name}:{sid}", rec["area_need_m2"], area, False,
                    note=f"{t.name} for {rec['served_households']:,} households")
        ok = leq(t.min_area, area, AREA_TOL)
        min_ok.append(ok)
        if not ok:
            chk.add("type_min_area", f"{t.name}:{sid}", t.min_area, area, False)
    src = f"{t.title}: {t.source}"
    chk.summary("type_coverage", f"{t.name} committees", served, sum(served), len(served), source=src)
    chk.summary("type_reach", f"{t.name} walks", reach_ok, None, f"{t.reach_m('urban'):g} m", source=src)
    chk.summary("type_area", f"{t.name} facilities", area_ok, None, t.rate, source=src)
    chk.summary("type_min_area", f"{t.name} facilities", min_ok, None, t.min_area, source=src)
    if t.centres is not None:
        _check_centres(ctx, chk, t, recs)


def _check_centres(ctx, chk, t, recs) -> None:
    c = t.centres
    com = ctx.com
    scope = com if c.streets == "all" else com[com["kind"] == "urban"]
    oks = []
    for street in sorted(set(scope["street"])):
        n = sum(1 for r in recs.values() if r["street"] == street and leq(c.min_area_m2, r["area_m2"], AREA_TOL))
        ok = n >= c.per_street
        oks.append(ok)
        if not ok:
            chk.add("type_centres", f"{t.name}:street:{street}", c.per_street, n, False,
                    note=f"{t.name} centres of at least {c.min_area_m2:g} m²")
    chk.summary("type_centres", f"{t.name} streets", oks, None, f"{c.per_street} of ≥{c.min_area_m2:g} m²",
                source=f"{t.title}: {t.source}")


def totals(ctx, totals: dict) -> None:
    ts = ctx.scn.types
    if ts is None:
        return
    totals["co_location_saving"] = round(ctx.co_location_saving, 2)
    totals["co_located_plots"] = sum(1 for p in _plots(ctx).values() if len(p) > 1)
    for t in ts.types:
        recs = [r for r in ctx.type_facilities if r["type"] == t.name]
        totals[f"sites_open_{t.name}"] = len(recs)
        totals[f"area_m2_{t.name}"] = round(sum(r["area_m2"] for r in recs), 2)
        totals[f"committees_covered_{t.name}"] = sum(1 for c in ctx.committees if c.get(f"{t.name}_site_id"))

