"""Shortfalls of a multi-type or timeline scenario named by facility type and street.

Why: a bureau reads "in 2023 the capex budget is 12.4M short of opening the elderly-care
points that street 青山镇 needs", not "1.0 committee-type services are out of reach". The
elastic model (siteplan.analysis.elastic) keeps one shortfall group per type
(`SlackGroup.about`), so a type rule's shortfall knows its type; its keys say which
committees, plots or streets. A budget row is one row for the whole city: what its shortfall
is short *of* is read from the least-bad plan as the checker prices it (the diagnostic plan's
evaluation): the facilities, per type and street, that serve what is due (in a timeline's
failing year: the committee-type services the years before it did not yet provide).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from siteplan.analysis.explain import _and, _ids, mcny
from siteplan.scenario.facility_types import SERVICE, hosts

#: the checker rule (siteplan/rules/facility_types.py `names`) each shortfall group falls short of
RULE_OF_GROUP = {"type_uncovered": "type_coverage", "type_area": "type_area", "type_centres": "type_centres",
                 "plot_share": "shared_plot_cap"}


def rule_title(group: str) -> str | None:
    """The Chinese title of the facility-type rule a group falls short of (None: not one)."""
    from siteplan.rules.facility_types import FacilityTypes

    key = RULE_OF_GROUP.get(group)
    return FacilityTypes.names[key][0] if key else None


def type_label(scn, name: str) -> str:
    """`elderly_care (社区养老服务站)`: the type's key as in the data, with its title."""
    ts = getattr(scn, "types", None)
    if name == SERVICE or ts is None or name not in ts.names:
        return name
    return f"{name} ({ts.get(name).title})"


def _of_streets(pairs: list[tuple[str, str]]) -> str:
    """"B, D of street east and C of street hill" from (id, street) pairs."""
    by: dict[str, list[str]] = defaultdict(list)
    for i, st in pairs:
        by[st].append(i)
    return _and([f"{_ids(ids)} of street {st}" for st, ids in by.items()])


def _nearest_host(scn, inst, t, committees: np.ndarray) -> list[tuple[str, float]]:
    """(nearest plot that may host type t, metres) per committee index, or ("", inf)."""
    from siteplan import distance

    sit = scn.tables.sites
    usable = np.flatnonzero(hosts(sit, t.name) & ~sit["excluded"].to_numpy(bool))
    if not len(usable):
        return [("", math.inf)] * len(committees)
    spec = scn.spec.distance_spec
    idx, dist = distance.get(spec.method).nearest(scn.tables, np.asarray(committees), usable, spec.circuity)
    return [(str(inst.site_ids[usable][i]), float(d)) if i >= 0 else ("", math.inf) for i, d in zip(idx, dist)]


def describe_type_shortfall(words, g, vals, hit, blocks) -> tuple[str, float, str, list[str]]:
    """(text, amount, unit, ids) of a facility-type group; the numbers go to `words.facts`."""
    scn, inst, f = words.scn, words.inst, words.facts
    block = next((b for b in blocks if b.t.name == g.about), None)
    keys = g.keys[hit]
    if g.name == "plot_share":
        return _plot_share(words, g, vals, hit)
    if block is None:  # pragma: no cover - every per-type group names its block
        total = float(vals.sum())
        return f"{g.name}: {total:,.2f} short", total, "", []
    t = block.t
    label = type_label(scn, t.name)
    f.update(type=t.name, title=t.title)
    if g.name == "type_uncovered":
        cids = [str(inst.committee_ids[k]) for k in keys]
        streets = [str(inst.streets[inst.committee_street[k]]) for k in keys]
        f.update(committees=cids, streets=sorted(set(streets)))
        reachable = np.zeros(inst.n_committees, dtype=bool)
        reachable[block.pc] = True
        lonely = [j for j, k in enumerate(keys) if not reachable[k]]
        parts = []
        if lonely:
            near = _nearest_host(scn, inst, t, keys[lonely])
            reach = " / ".join(sorted({f"{t.reach_m(k):,.0f} m" for k in ("urban", "rural")
                                       if any((inst.urban[keys[j]] == (k == "urban")) for j in lonely)}))
            f["lonely"] = [[cids[j], streets[j], s, round(d, 1)] for j, (s, d) in zip(lonely, near)]
            f["reach_m"] = reach
            where = "; ".join(f"{cids[j]} → {s} at {d:,.0f} m" if s else f"{cids[j]}: no plot may host it"
                              for j, (s, d) in list(zip(lonely, near))[:6])
            noun = "committee" if len(lonely) == 1 else "committees"
            parts.append(f"{noun} {_of_streets([(cids[j], streets[j]) for j in lonely])} cannot be served by "
                         f"{label}: no plot that may host it lies within its {reach} reach (nearest: {where})")
        other = [j for j in range(len(keys)) if j not in set(lonely)]
        f["unreachable"] = not other
        if other:
            noun = "committee" if len(other) == 1 else "committees"
            parts.append(f"{noun} {_of_streets([(cids[j], streets[j]) for j in other])} {'is' if len(other) == 1 else 'are'} left without "
                         f"{label} although a plot that may host it is within reach (serving them would break "
                         "a budget or plot cap)")
        return "; ".join(parts), float(len(keys)), "committees", cids
    if g.name == "type_area":
        sids = [str(inst.site_ids[k]) for k in keys]
        streets = [str(inst.streets[inst.site_street[k]]) for k in keys]
        total = float(vals.sum())
        f.update(sites=sids, streets=sorted(set(streets)), short_m2=round(total, 2))
        return (f"{label} at plot{'s' if len(sids) > 1 else ''} {_of_streets(list(zip(sids, streets)))} "
                f"{'is' if len(sids) == 1 else 'are'} {total:,.1f} m² short of the floor area its committees need "
                f"({_rate(t)})"), total, "m²", sids
    if g.name == "type_centres":
        c = t.centres
        names = [str(inst.streets[k]) for k in keys]
        missing = [int(np.rint(v)) for v in vals[hit]]
        sit = scn.tables.sites
        big = hosts(sit, t.name) & ~sit["excluded"].to_numpy(bool) & (sit["max_area_m2"].to_numpy(float)
                                                                       >= c.min_area_m2)
        have = [int((big & (sit["street"].to_numpy(str) == st)).sum()) for st in names]
        f.update(streets=names, missing=missing, per_street=c.per_street, min_area_m2=c.min_area_m2)
        each = "; ".join(f"street {st} lacks {m} ({h} plot{'s' if h != 1 else ''} there may host one that large)"
                         for st, m, h in zip(names, missing, have))
        return (f"{label} centres (1+N: {c.per_street} per street of at least {c.min_area_m2:,.0f} m²) are missing: "
                f"{each}"), float(sum(missing)), "centres", names
    total = float(vals.sum())  # pragma: no cover - a new group
    return f"{label}: {g.name} {total:,.2f} short", total, "", []


def _rate(t) -> str:
    return "m² per 100 households: " + ", ".join(f"{k} {v:g}" for k, v in t.rate.items())


def _size_remark(t, area: float) -> str:
    """Why a type takes just this much floor: its minimum size or a 1+N centre's."""
    if t.centres is not None and abs(area - t.centres.min_area_m2) < 1e-6:
        return " (a 1+N street centre's minimum)"
    return " (its minimum size)" if abs(area - t.min_area) < 1e-6 else ""


def _plot_share(words, g, vals, hit) -> tuple[str, float, str, list[str]]:
    """Plots whose types together need more floor than max_area_m2: what each type takes."""
    scn, inst, plan, f = words.scn, words.inst, words.plan, words.facts
    ts = scn.types
    parts, plots, types_on = [], [], set()
    big = vals[hit] >= 0.5  # below half a square metre: the solver's rounding, not a plot to name
    for k, v in zip(g.keys[hit][big] if big.any() else g.keys[hit], vals[hit][big] if big.any() else vals[hit]):
        sid, st = str(inst.site_ids[k]), str(inst.streets[inst.site_street[k]])
        takes: list[tuple[str, float, str]] = []  # (type, m², remark)
        if sid in plan.areas:
            takes.append((SERVICE, words.floor(sid, 0.0), ""))
        for t in ts.types:
            a = plan.type_areas.get(t.name, {}).get(sid)
            if a is not None:
                takes.append((t.name, float(a), _size_remark(t, float(a))))
        types_on |= {x[0] for x in takes}
        cap = float(inst.max_area[k])
        plots.append({"site": sid, "street": st, "max_area_m2": cap, "over_m2": round(float(v), 2),
                      "types": {x[0]: round(x[1], 2) for x in takes}})
        what = _and([f"{type_label(scn, n)} {a:,.0f} m²{mark}" for n, a, mark in takes])
        parts.append(f"plot {sid} of street {st} holds {cap:,.0f} m² (max_area_m2) but {what} need "
                     f"{cap + float(v):,.0f} m²: {float(v):,.0f} m² over")
    total = float(vals.sum())
    f.update(plots=plots, types=sorted(types_on))
    return "; ".join(parts), total, "m²", [str(p["site"]) for p in plots]


# ---------------------------------------------------------------------------- budgets

def capex_pieces(ev, due: set[tuple[str, str]] | None = None) -> list[dict]:
    """The diagnostic plan's facilities per (type, street): capex as the checker prices it
    (before any co-location saving), plots, and the committees served; with `due`, only the
    facilities serving a (type, committee id) in it, i.e. what is due and not yet provided."""
    serves: dict[tuple[str, str], list[str]] = defaultdict(list)
    types = [str(r["type"]) for r in ev.type_facilities]
    for com in ev.committees:
        cid = str(com["committee_id"])
        for t in [SERVICE, *dict.fromkeys(types)]:
            sid = com.get("site_id" if t == SERVICE else f"{t}_site_id")
            if sid and (due is None or (t, cid) in due):
                serves[(t, str(sid))].append(cid)
    recs = [dict(r, type=SERVICE) for r in ev.facilities] + [dict(r) for r in ev.type_facilities]
    out: dict[tuple[str, str], dict] = {}
    for r in recs:
        key = (str(r["type"]), str(r["site_id"]))
        if due is not None and key not in serves:
            continue
        p = out.setdefault((key[0], str(r["street"])), {"type": key[0], "street": str(r["street"]), "capex": 0.0,
                                                          "sites": [], "committees": []})
        p["capex"] += float(r.get("capex") or 0.0)
        p["sites"].append(key[1])
        p["committees"] += serves.get(key, [])
    return sorted(out.values(), key=lambda p: (p["type"] != SERVICE, p["type"], -p["capex"], p["street"]))


def name_capex_shortfall(sf, scn, ev, due: set[tuple[str, str]] | None = None) -> None:
    """Rewrite a capex shortfall to say what it is short of opening, per type and street.

    Nothing changes when the plan has no facility serving what is due (then the budget
    text of siteplan/rules/budgets.py stands)."""
    pieces = [p for p in capex_pieces(ev, due) if p["capex"] > 0]
    if not pieces or sf.group != "capex":
        return
    budget, short = float(sf.facts.get("budget") or 0.0), float(sf.amount)
    names = list(dict.fromkeys(p["type"] for p in pieces))
    streets = list(dict.fromkeys(p["street"] for p in sorted(pieces, key=lambda p: -p["capex"])))
    what = _and([type_label(scn, n) for n in names])
    noun = "facility" if len(pieces) == 1 else "facilities"
    st = f"street {streets[0]} needs" if len(streets) == 1 else \
        f"streets {_and(streets) if len(streets) <= 6 else _ids(streets)} need"
    detail = "; ".join(f"{p['type']} for {p['street']} at {_ids(p['sites'], 3)} {mcny(p['capex'])}"
                       for p in pieces[:8])
    more = f"; and {len(pieces) - 8} more" if len(pieces) > 8 else ""
    titles = {n: ("综合服务设施" if n == SERVICE else scn.types.get(n).title) for n in names}
    sf.facts.update(types=names, titles=titles, streets=streets, pieces=[{k: (round(v, 2) if k == "capex" else v)
                                                           for k, v in p.items()} for p in pieces])
    sf.text = (f"the capex budget of {mcny(budget)} is {mcny(short)} short of opening the {what} {noun} that {st} "
               f"({detail}{more}; capex before any co-location saving); the binding (约束性) rules alone need at "
               f"least {mcny(budget + short)}")


# ---------------------------------------------------------------------------- Chinese

def _zh_ids(items: list[str]) -> str:
    from siteplan.report.words_zh import _ids as zh_ids

    return zh_ids([str(i) for i in items])


def describe_type_zh(group: str, f: dict) -> str | None:
    """The Chinese sentence of a facility-type shortfall from its facts (None: unknown group)."""
    title = f.get("title") or f.get("type") or ""
    if group == "type_uncovered":
        parts = []
        if f.get("lonely"):
            near = "；".join(f"{c} → {s} {d:,.0f}米" if s else f"{c}：无可设置地块" for c, _, s, d in f["lonely"][:6])
            parts.append(f"居委会{_zh_ids([c for c, *_ in f['lonely']])}（{_zh_ids(f.get('streets', []))}）在"
                         f"{str(f.get('reach_m', '')).replace(' m', '米')}步行范围内没有可设置{title}的地块；最近：{near}")
        lonely = {c for c, *_ in f.get("lonely") or []}
        other = [c for c in f.get("committees", []) if c not in lonely]
        if other:
            parts.append(f"居委会{_zh_ids(other)}虽在步行范围内有可设置{title}的地块，但受预算或用地上限限制未能覆盖")
        return "；".join(parts)
    if group == "type_area":
        return f"{title}在地块{_zh_ids(f['sites'])}的面积比所服务居委会所需少{f['short_m2']:,.1f}平方米"
    if group == "type_centres":
        lack = "；".join(f"{st}缺{m}处" for st, m in zip(f["streets"], f["missing"]))
        return (f"{title}街镇中心（1+N：每街镇{f['per_street']}处，每处不少于{f['min_area_m2']:,.0f}平方米）"
                f"不足：{lack}")
    if group == "plot_share":
        out = []
        for p in f["plots"]:
            need = p["max_area_m2"] + p["over_m2"]
            what = "、".join(f"{t} {a:,.0f}平方米" for t, a in p["types"].items())
            out.append(f"地块{p['site']}（{p['street']}）用地上限{p['max_area_m2']:,.0f}平方米，而{what}共需"
                       f"{need:,.0f}平方米，超出{p['over_m2']:,.0f}平方米")
        return "；".join(out)
    return None


def capex_for_zh(f: dict) -> str:
    """", 缺口用于开设east街道所需的综合服务设施和社区养老服务站" for a named capex shortfall."""
    if not f.get("pieces"):
        return ""
    titles = f.get("titles") or {}
    what = "和".join(titles.get(t, t) for t in f.get("types", []))
    return f"，缺口用于开设{_zh_ids(f.get('streets', []))}所需的{what}"
