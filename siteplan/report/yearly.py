"""The report's timeline section: what is built in which year, what each year costs, and
which sites stand in each year.

Why its own section: a timeline plan's top-level figures are its last year's, and a bureau
funds and checks the plan year by year, so the schedule, the yearly spending against each
year's budget and a map per year are what it reads first. Reads only plan.json's
`timeline` block (and the scenario's coordinates for the year maps); absent block, no
section.
"""

from __future__ import annotations

import math
from html import escape

from siteplan.report import timeline_svg
from siteplan.report.i18n import Labels


def _e(v) -> str:
    return escape("" if v is None else str(v), quote=True)


def _coords(scn) -> tuple[dict, dict, str] | None:
    """(committee id -> xy, site id -> xy, distance method) from the scenario's tables."""
    if scn is None or not scn.tables.coords:
        return None
    cx, cy = scn.tables.coords
    out = []
    for df in (scn.tables.committees, scn.tables.sites):
        if cx not in df.columns or cy not in df.columns:
            return None
        pts = {}
        for r in df[["id", cx, cy]].to_dict("records"):
            try:
                x, y = float(r[cx]), float(r[cy])
            except (TypeError, ValueError):
                continue
            if math.isfinite(x) and math.isfinite(y):
                pts[str(r["id"])] = (x, y)
        out.append(pts)
    return out[0], out[1], scn.spec.distance_spec.method


def _year_table(rows: list[dict], L: Labels, mny) -> str:
    keys = ("year", "capex_spent", "capex_budget", "opex", "opex_budget", "discounted_cost", "sites_open",
            "floor_area_m2", "workers", "residents_covered")
    money = {"capex_spent", "capex_budget", "opex", "opex_budget", "discounted_cost"}
    head = "".join(f"<th>{_e(L('tl_' + k))}</th>" for k in keys)
    body = []
    for r in rows:
        cells = []
        for k in keys:
            v = r.get(k)
            text = str(v) if k == "year" else mny(v, L) if k in money else "—" if v is None else f"{v:,.0f}"
            over = k == "capex_spent" and r.get("capex_budget") is not None and float(v or 0) > float(r["capex_budget"]) + 1
            cells.append(f"<td class='{'num' if k != 'year' else ''}{' bad' if over else ''}'>{_e(text)}</td>")
        body.append(f"<tr data-role='year-row' data-year='{_e(r.get('year'))}'>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def timeline_section(doc: dict, scn, L: Labels, mny) -> str:
    """The HTML section of plan.json's `timeline` block ('' when it has none).

    `mny(value, L)` formats money as the rest of the report does."""
    tl = doc.get("timeline")
    if not isinstance(tl, dict) or not tl.get("years"):
        return ""
    years = [int(y) for y in tl["years"]]
    schedule = [e for e in tl.get("schedule") or [] if isinstance(e, dict)]
    by_year = [r for r in tl.get("totals_by_year") or [] if isinstance(r, dict)]
    unit = "m²"

    def label(ev: dict) -> str:
        return f"+{float(ev.get('area_added_m2') or 0):,.0f} {unit} · {mny(ev.get('capex'), L)}"

    parts = [f"<section id='timeline'><h2>{_e(L('tl_title'))} {years[0]}–{years[-1]}</h2>",
             f"<h3>{_e(L('tl_schedule'))}</h3><p class='note'>{_e(L('tl_schedule_note'))}</p>"]
    if schedule:
        parts.append(timeline_svg.gantt(schedule, years, label))
        shown = len({e.get("site_id") for e in schedule})
        if shown > timeline_svg.MAX_GANTT_ROWS:
            parts.append(f"<p class='note muted'>{_e(L('tl_more_sites'))} ({shown:,})</p>")
    else:
        parts.append(f"<p class='note muted'>{_e(L('tl_nothing_built'))}</p>")
    if by_year:
        names = {"capex": L("tl_capex_spent"), "opex": L("tl_opex"), "budget": L("tl_budget")}
        parts.append(f"<h3>{_e(L('tl_costs'))}</h3>" + timeline_svg.yearly_costs(by_year, lambda v: mny(v, L), names))
        parts.append(_year_table(by_year, L, mny))
    myopic = tl.get("myopic_total_cost")
    total = (doc.get("totals") or {}).get("total_cost")
    if isinstance(myopic, (int, float)) and isinstance(total, (int, float)) and myopic > 0:
        parts.append(f"<p class='note' data-role='myopic-note'>{_e(L('tl_myopic'))}: {_e(mny(myopic, L))} "
                     f"({_e(L('tl_joint_saves'))} {_e(mny(myopic - total, L))}, {100 * (myopic - total) / myopic:.1f}%)</p>")
    where = _coords(scn)
    plans = [p for p in tl.get("plans") or [] if isinstance(p, dict)]
    if where is not None and plans:
        maps = timeline_svg.year_maps(plans, *where)
        if maps:
            parts.append(f"<h3>{_e(L('tl_maps'))}</h3><p class='note'>{_e(L('tl_maps_note'))}</p>"
                         f"<div class='years'>{maps}</div>")
    return "".join(parts) + "</section>"


def group_by_year(rows: list[dict]) -> list[tuple[int | None, list[dict]]]:
    """Compliance rows in year order (rows without a year last), for the grouped table."""
    years = sorted({int(r["year"]) for r in rows if isinstance(r.get("year"), int)})
    out: list[tuple[int | None, list[dict]]] = [(y, [r for r in rows if r.get("year") == y]) for y in years]
    rest = [r for r in rows if not isinstance(r.get("year"), int)]
    return out + ([(None, rest)] if rest else [])


def strip_year(scope, year: int | None) -> str:
    """A yearly row's scope without its "2024: " prefix (its group says the year)."""
    text = "" if scope is None else str(scope)
    prefix = f"{year}: "
    return text[len(prefix):] if year is not None and text.startswith(prefix) else text
