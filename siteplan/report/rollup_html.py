"""The batch roll-up as one offline HTML file (report.html in the batch's output folder).

Same contract as `siteplan report`: no script, no request, every text escaped. What a
province's office reads first: the province's totals and worker density, the districts that
have no plan and why, then every district's cost, staff and compliance verdict.
"""

from __future__ import annotations

from siteplan.report import svg
from siteplan.report.html import _e, fmt, page

#: at most this many bars in a chart (the costliest districts); the table lists every one
CHART_BARS = 40


def _m(v) -> str:
    return "—" if v is None else f"{float(v) / 1e6:,.2f}M"


def _kpis(p: dict) -> str:
    dens = p.get("workers_per_10k_urban")
    cards = [("districts planned", f"{p['planned']:,} / {p['districts']:,}"),
             ("compliant districts", f"{p['compliant']:,}"),
             ("committees", fmt(p["committees"])), ("residents", fmt(p["residents"])),
             ("total cost (CNY, capex + horizon × opex)", _m(p["total_cost"])),
             ("capex (CNY)", _m(p["capex"])), ("opex per year (CNY)", _m(p["opex_per_year"])),
             ("facilities open", fmt(p["sites_open"])), ("floor area m²", fmt(p["floor_area_m2"])),
             ("community workers", fmt(p["workers"])),
             ("workers per 10,000 urban residents", "—" if dens is None else f"{dens:.2f}"),
             ("residents covered", "—" if p.get("coverage_share") is None else f"{100 * p['coverage_share']:.1f}%")]
    return "<h2>Province</h2><div class='kpis'>" + "".join(
        f"<div class='kpi'><b>{_e(v)}</b><small>{_e(k)}</small></div>" for k, v in cards) + "</div>" + (
        f"<p class='note'>Totals and the worker density (Σ urban workers / Σ urban residents × 10,000 = "
        f"{fmt(p['urban_workers'])} / {fmt(p['urban_residents'])}) are over the {p['planned']:,} planned "
        f"districts; {p['failed']:,} without a plan are left out.</p>")


def _failures(doc: dict) -> str:
    rows = doc["failures"]
    if not rows:
        return "<h2>Failures</h2><p class='ok'>Every district has a plan that passed the independent check.</p>"
    body = "".join(f"<tr class='fail'><td>{_e(r['district'])}</td><td>{_e(r['failure'])}</td>"
                   f"<td>{_e(r['reason'])}</td><td class='num'>{_e(r['run_id'] or '—')}</td></tr>" for r in rows)
    return (f"<h2>Failures ({len(rows):,})</h2><table><tr><th>district</th><th>kind</th><th>reason</th>"
            f"<th>run</th></tr>{body}</table>")


def _rules(doc: dict) -> str:
    if not doc["rules"]:
        return ""
    body = "".join(f"<tr><td>{_e(r['rule'])}</td><td>{_e(r['kind'])}</td><td class='num'>{r['ok']:,}</td>"
                   f"<td class='num'>{r['below']:,}</td><td class='num'>{r['FAIL']:,}</td>"
                   f"<td class='num'>{r['other']:,}</td></tr>" for r in doc["rules"])
    return ("<h2>Compliance by rule</h2><p class='note'>Planned districts in which each rule holds, is "
            "missed (a reported target, not enforced) or fails; 'other' is not assessed or not declared.</p>"
            "<table><tr><th>rule</th><th>kind</th><th>holds</th><th>missed</th><th>fails</th><th>other</th></tr>"
            f"{body}</table>")


def _chart(doc: dict) -> str:
    planned = [r for r in doc["districts"] if r["total_cost"] is not None]
    if not planned:
        return ""
    top = sorted(planned, key=lambda r: -r["total_cost"])[:CHART_BARS]
    rows = [(r["district"], [("capex", r["capex"] or 0.0),
                             ("opex × horizon", (r["total_cost"] or 0.0) - (r["capex"] or 0.0))]) for r in top]
    note = "" if len(planned) <= CHART_BARS else f" (the {CHART_BARS} costliest of {len(planned):,})"
    return f"<h2>Cost per district{_e(note)}</h2>" + svg.bar_chart(rows, unit=" CNY")


def _districts(doc: dict) -> str:
    head = ("district", "status", "verdict", "committees", "residents", "total cost", "capex", "opex/yr",
            "facilities", "workers", "per 10k urban", "covered", "run")
    out = []
    for r in doc["districts"]:
        cls = " class='fail'" if r["failure"] else (" class='below'" if r["verdict"] != "compliant" else "")
        cov = r["coverage_share"]
        cells = [_e(r["district"]), _e(r["status"] + (" (stored)" if r["reused"] else "")),
                 _e(r["verdict"] if not r["failure"] else f"{r['failure']}: {r['reason']}")]
        nums = [fmt(r["committees"]), fmt(r["residents"]), _m(r["total_cost"]), _m(r["capex"]),
                _m(r["opex_per_year"]), fmt(r["sites_open"]), fmt(r["workers"]),
                fmt(r["workers_per_10k_urban"]), "—" if cov is None else f"{100 * cov:.1f}%",
                _e(r["run_id"] or "—")]
        out.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells)
                   + "".join(f"<td class='num'>{_e(c)}</td>" for c in nums) + "</tr>")
    return (f"<h2>Districts ({len(doc['districts']):,})</h2><table><tr>"
            + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>" + "".join(out) + "</table>")


def render_rollup(doc: dict, title: str = "Province roll-up") -> str:
    b = doc["batch"]
    meta = (f"<div class='meta'><span>{b['districts']:,} districts</span><span>{b['solved_now']:,} solved now, "
            f"{b['reused']:,} reused from the run store</span><span>executor {_e(b['executor'])}, "
            f"{b['workers']} workers</span><span>{b['seconds']:,.1f} s</span></div>")
    parts = [f"<h1>{_e(title)}</h1>", meta, _kpis(doc["province"]), _failures(doc), _chart(doc), _rules(doc),
             _districts(doc), "<footer>siteplan · offline report, no network access</footer>"]
    return page(title, parts, "en")
