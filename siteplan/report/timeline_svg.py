"""Inline SVG of a timeline plan: the build schedule (Gantt), yearly cost bars, year maps.

Why separate from svg.py: these drawings read plan.json's `timeline` block (years,
schedule, totals by year, a plan per year) and nothing else of the single-period map, and
keeping them apart keeps both modules one job each. Like svg.py: no script, every text
escaped, and each counted mark carries `data-role` and `data-year` for the tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from siteplan.report.svg import PALETTE, SERVED, SITE_NEW, SITE_OLD, UNSERVED, _e, _f, project_all

#: at most this many sites get a Gantt row (the largest capex first); the rest are in schedule.csv
MAX_GANTT_ROWS = 60
ACTION_COLOR = {"open": SITE_NEW, "expand": PALETTE[1]}


def gantt(schedule: list[dict], years: list[int], label: Callable[[dict], str], *, width: int = 760) -> str:
    """Sites x years: a pale band while a site stands, a bar in each year it opens or grows.

    `label(event)` gives a bar's text (area added, capex); `schedule` rows are plan.json's
    {site_id, year, action, area_added_m2, capex}; a facility type other than the service
    facility (`type`) gets its own row, "site · type", so bars on a shared plot do not overlap.
    """
    by_site: dict[str, list[dict]] = {}
    for ev in schedule:
        t = ev.get("type")
        row = str(ev.get("site_id")) if t in (None, "service") else f"{ev.get('site_id')} · {t}"
        by_site.setdefault(row, []).append(ev)
    order = sorted(by_site, key=lambda s: (min(int(e["year"]) for e in by_site[s]),
                                           -sum(float(e.get("capex") or 0) for e in by_site[s]), s))
    if len(order) > MAX_GANTT_ROWS:
        keep = set(sorted(order, key=lambda s: -sum(float(e.get("capex") or 0) for e in by_site[s]))[:MAX_GANTT_ROWS])
        order = [s for s in order if s in keep]
    lab_w, row_h, head = 110, 22, 24
    col_w = (width - lab_w - 10) / max(len(years), 1)
    height = head + row_h * len(order) + 8
    col = {y: lab_w + i * col_w for i, y in enumerate(years)}
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-role="gantt" viewBox="0 0 {width} {height}" '
           f'width="{width}" role="img">')]
    for y, x in col.items():
        out.append(f'<text x="{_f(x + col_w / 2)}" y="16" text-anchor="middle" font-size="12" '
                   f'font-weight="bold" fill="#222">{y}</text>'
                   f'<line x1="{_f(x)}" y1="{head - 4}" x2="{_f(x)}" y2="{height}" stroke="#e3e3e3"/>')
    for r, sid in enumerate(order):
        yy = head + r * row_h
        first = min(int(e["year"]) for e in by_site[sid])
        out.append(f'<text x="{lab_w - 6}" y="{yy + 15}" text-anchor="end" font-size="11.5" fill="#222">{_e(sid)}</text>')
        if first in col:
            x0 = col[first]
            out.append(f'<rect data-role="gantt-standing" x="{_f(x0)}" y="{yy + 3}" width="{_f(width - 10 - x0)}" '
                       f'height="{row_h - 6}" fill="#e8eef6"/>')
        for ev in by_site[sid]:
            y = int(ev["year"])
            if y not in col:
                continue
            color = ACTION_COLOR.get(str(ev.get("action")), SITE_OLD)
            text = label(ev)
            out.append(f'<rect data-role="gantt-bar" data-year="{y}" data-action="{_e(ev.get("action"))}" '
                       f'x="{_f(col[y] + 2)}" y="{yy + 3}" width="{_f(col_w - 4)}" height="{row_h - 6}" rx="3" '
                       f'fill="{color}"><title>{_e(sid)} {y}: {_e(text)}</title></rect>'
                       f'<text x="{_f(col[y] + 6)}" y="{yy + 15}" font-size="10.5" fill="#fff">{_e(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def yearly_costs(rows: list[dict], fmt: Callable[[float], str], names: dict[str, str], *,
                 width: int = 760, height: int = 260) -> str:
    """Capex spent and opex per year side by side, each year's budgets as short lines.

    rows: plan.json's totals_by_year ({year, capex_spent, capex_budget, opex, opex_budget});
    names: labels of "capex", "opex" and "budget".
    """
    kinds = (("capex", "capex_spent", "capex_budget", PALETTE[0]), ("opex", "opex", "opex_budget", PALETTE[1]))
    vals = [float(r.get(k) or 0) for r in rows for _, v, b, _ in kinds for k in (v, b)]
    vmax = max(vals + [1.0])
    left, top, bottom = 70, 12, 46
    plot_h = height - top - bottom
    group = (width - left - 10) / max(len(rows), 1)
    bar = min(42.0, group / 3)

    def Y(v: float) -> float:
        return top + plot_h * (1 - v / vmax)

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-role="year-costs" '
           f'viewBox="0 0 {width} {height}" width="{width}" role="img">'),
           f'<line x1="{left}" y1="{_f(Y(0))}" x2="{width - 10}" y2="{_f(Y(0))}" stroke="#444"/>']
    for t in np.linspace(0, vmax, 5)[1:]:
        out.append(f'<text x="{left - 6}" y="{_f(Y(t) + 4)}" text-anchor="end" font-size="10.5" fill="#555">'
                   f'{_e(fmt(t))}</text><line x1="{left}" y1="{_f(Y(t))}" x2="{width - 10}" y2="{_f(Y(t))}" '
                   'stroke="#eee"/>')
    for i, r in enumerate(rows):
        gx = left + i * group + group / 2 - bar
        year = _e(r.get("year"))
        for j, (name, v, b, color) in enumerate(kinds):
            x = gx + j * bar
            val = float(r.get(v) or 0)
            out.append(f'<rect data-role="cost-bar" data-year="{year}" data-kind="{name}" x="{_f(x)}" '
                       f'y="{_f(Y(val))}" width="{_f(bar - 3)}" height="{_f(Y(0) - Y(val))}" fill="{color}">'
                       f'<title>{year} {_e(names[name])}: {_e(fmt(val))}</title></rect>')
            if r.get(b) is not None:
                cap = float(r[b])
                out.append(f'<line data-role="budget-line" data-year="{year}" data-kind="{name}" x1="{_f(x - 3)}" '
                           f'y1="{_f(Y(cap))}" x2="{_f(x + bar)}" y2="{_f(Y(cap))}" stroke="#b3261e" '
                           f'stroke-width="2.5" stroke-dasharray="5 2"><title>{year} {_e(names["budget"])} '
                           f'{_e(names[name])}: {_e(fmt(cap))}</title></line>')
        out.append(f'<text x="{_f(gx + bar)}" y="{_f(Y(0) + 16)}" text-anchor="middle" font-size="12" '
                   f'fill="#222">{year}</text>')
    ly = height - 10
    for j, (name, _, _, color) in enumerate(kinds):
        out.append(f'<rect x="{left + j * 130}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{left + j * 130 + 14}" y="{ly}" font-size="11" fill="#333">{_e(names[name])}</text>')
    out.append(f'<line x1="{left + 260}" y1="{ly - 4}" x2="{left + 280}" y2="{ly - 4}" stroke="#b3261e" '
               f'stroke-width="2.5" stroke-dasharray="5 2"/><text x="{left + 285}" y="{ly}" font-size="11" '
               f'fill="#333">{_e(names["budget"])}</text></svg>')
    return "".join(out)


def year_maps(plans: list[dict], committees: dict[str, tuple[float, float]], sites: dict[str, tuple[float, float]],
              method: str, *, size: int = 230) -> str:
    """One small map per year (a strip): committees served or not that year, sites open that
    year (new in that year filled red, standing from before purple).

    plans: plan.json's timeline.plans; committees/sites: id -> (x, y) in the scenario's
    coordinates (ids without coordinates are left out)."""
    ids_c, ids_s = list(committees), list(sites)
    if not ids_c:
        return ""
    cP, sP = project_all([np.array([committees[c] for c in ids_c], dtype=float),
                          np.array([sites[s] for s in ids_s], dtype=float).reshape(-1, 2)], method)
    allP = np.concatenate([cP, sP])
    lo, hi = np.nanmin(allP, axis=0), np.nanmax(allP, axis=0)
    pad = 10
    k = (size - 2 * pad) / max(float(np.max(hi - lo)), 1.0)
    off = (size - 2 * pad - (hi - lo) * k) / 2  # the drawing centred in its square
    ci = {c: i for i, c in enumerate(ids_c)}
    si = {s: i for i, s in enumerate(ids_s)}

    def xy(p) -> tuple[str, str]:
        return _f(pad + off[0] + (p[0] - lo[0]) * k), _f(pad + off[1] + (hi[1] - p[1]) * k)

    out, before = [], set()
    for plan in plans:
        year = _e(plan.get("year"))
        open_now = {str(f.get("site_id")) for f in plan.get("facilities") or []}
        parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" data-role="year-map" data-year="{year}" '
                 f'viewBox="0 0 {size} {size + 18}" width="{size}" role="img">'
                 f'<rect x="0" y="0" width="{size}" height="{size}" fill="#fafafa" stroke="#ddd"/>')]
        for c in plan.get("committees") or []:
            i = ci.get(str(c.get("committee_id")))
            if i is None:
                continue
            x, y = xy(cP[i])
            color = SERVED if c.get("site_id") in open_now else UNSERVED
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.2" fill="{color}"/>')
        for s in sorted(open_now):
            j = si.get(s)
            if j is None:
                continue
            x, y = xy(sP[j])
            color = SITE_OLD if s in before else SITE_NEW
            parts.append(f'<rect data-role="year-site" data-year="{year}" x="{float(x) - 3.5:.1f}" '
                         f'y="{float(y) - 3.5:.1f}" width="7" height="7" fill="{color}"><title>{_e(s)}</title></rect>')
        parts.append(f'<text x="{size / 2}" y="{size + 14}" text-anchor="middle" font-size="13" font-weight="bold" '
                     f'fill="#222">{year} · {len(open_now)}</text></svg>')
        out.append("".join(parts))
        before |= open_now
    return "".join(out)
