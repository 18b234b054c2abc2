"""`siteplan report`: one self-contained HTML file a planning bureau can open offline.

Why no script and no external file: bureaus often work on closed networks and archive
reports as attachments, so everything (styles, SVG map and charts) is inline and the page
makes no request at all. Sources are read, never trusted: every text is escaped, CSVs are
parsed by pandas with bounded sizes, and a missing optional part leaves its section out.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from siteplan import distance
from siteplan.errors import InputError
from siteplan.fileio import read_bounded, read_text_bounded
from siteplan.plan import NOT_DECLARED, row_status
from siteplan.report import svg
from siteplan.report.i18n import REQUIRED_ZH, Labels, default_lang
from siteplan.report.mapshapes import map_shapes
from siteplan.report.outputs import MAX_PLAN_BYTES
from siteplan.report.summary import tell_apart
from siteplan.report.yearly import group_by_year, strip_year, timeline_section
from siteplan.result import Termination, has_plan

if TYPE_CHECKING:
    from siteplan.scenario.load import Scenario

BINDING_FILE = "binding.json"
MAX_CSV_BYTES = 20 << 20

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
 "Helvetica Neue",Arial,sans-serif;margin:0;color:#1d1d1d;background:#f3f2ee}
main{max-width:1100px;margin:0 auto;padding:18px 26px 40px;background:#fff}
h1{font-size:24px;margin:6px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #1f6fb2;
 padding-bottom:4px}.meta{color:#555;font-size:13px}.meta span{margin-right:18px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.kpi{background:#f6f8fb;border:1px solid #dde5ef;border-radius:6px;padding:8px 10px}
.kpi b{display:block;font-size:19px}.kpi small{color:#555;font-size:12px}
.tw{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0}th,td{border:1px solid #ddd;
 padding:4px 6px;text-align:left;vertical-align:top}th{background:#eef2f7}td.num{text-align:right;
 white-space:nowrap}tr.fail td{background:#fdecea}tr.below td{background:#fff6e5}
.ok{color:#1e7d3a;font-weight:bold}.bad{color:#b3261e;font-weight:bold}.muted{color:#777}
.banner{background:#b3261e;color:#fff;padding:10px 12px;font-weight:bold;border-radius:4px;margin:10px 0}
.legend{font-size:12px;color:#333;margin:4px 0 10px}.legend span{white-space:nowrap}.legend i{display:inline-block;width:11px;height:11px;
 margin:0 4px 0 12px;vertical-align:-1px}.note{font-size:12.5px;color:#444}
ol.diag li{margin:6px 0}footer{margin-top:30px;font-size:12px;color:#777}
.src{font-size:11.5px;color:#444}svg{max-width:100%;height:auto}
h3{font-size:15px;margin:18px 0 6px}.years{display:flex;flex-wrap:wrap;gap:8px}tr.yearhead th{background:#dde7f3;
 font-size:13.5px}
"""


def _e(v) -> str:
    return escape("" if v is None else str(v), quote=True)


def fmt(v, L: Labels | None = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, bool):
        return (L("yes") if v else L("no")) if L else str(v)
    if isinstance(v, float):
        if abs(v) >= 1e5:
            return f"{v:,.0f}"
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e4 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dict):
        return ", ".join(f"{L.word('k', k) if L else k} {fmt(x, L)}" for k, x in v.items())
    if isinstance(v, list):
        return "; ".join(fmt(x, L) for x in v)
    if isinstance(v, str) and v[:1] in "{[":
        try:
            return fmt(json.loads(v), L)
        except ValueError:
            pass
    if isinstance(v, str) and L is not None and L.lang == "zh":
        for pattern, repl in REQUIRED_ZH:
            m = pattern.fullmatch(v)
            if m:
                return repl(m)
    return str(v)


def mny(v, L: Labels | None = None, *, sign: bool = False) -> str:
    """Money without its currency: millions in English (12.34M), 万 in Chinese (1,234.0万)."""
    if v is None:
        return "—"
    s = "+" if sign else ""
    if L is not None and L.lang == "zh":
        return f"{float(v) / 1e4:{s},.1f}万"
    return f"{float(v) / 1e6:{s},.2f}M"


def money(v, L: Labels) -> str:
    """Money with its currency: 12.34M CNY, 1,234.0万元."""
    return mny(v, L) if v is None else mny(v, L) + ("元" if L.lang == "zh" else " CNY")


@dataclass
class PlanView:
    """What the plan sections need, read from an output folder."""

    doc: dict
    scenario: Scenario | None  # tables with coordinates, when loadable
    folder: Path
    diagnosis: dict | None = None
    binding: dict | None = None
    diagnostic: bool = False
    extra: dict = field(default_factory=dict)


def load_plan_view(folder: Path) -> PlanView:
    """A solve (or explain) output folder: plan.json, the resolved scenario, binding.json."""
    pj = folder / "plan.json"
    if not pj.exists():
        raise InputError("no plan.json here", where=str(folder),
                         fix="give a folder written by `siteplan solve --out` or `siteplan explain --out`")
    try:
        doc = json.loads(_read_text(pj))
    except json.JSONDecodeError as exc:
        raise InputError(f"plan.json is not valid JSON: {exc}", where=str(pj))
    if not isinstance(doc, dict) or "scenario" not in doc:
        raise InputError("plan.json lacks the scenario block", where=str(pj),
                         fix="re-run siteplan solve to rewrite the folder")
    view = PlanView(doc=doc, scenario=None, folder=folder)
    if doc.get("status") == Termination.INFEASIBLE:
        view.diagnosis = doc.get("diagnosis")
        dp = folder / str(doc.get("diagnostic_plan") or "diagnostic_plan.json")
        if dp.is_file() and dp.parent.resolve() == folder.resolve():
            try:
                view.doc = json.loads(_read_text(dp))
                view.doc.setdefault("diagnosis", view.diagnosis)
                view.diagnostic = True
            except json.JSONDecodeError as exc:
                raise InputError(f"diagnostic plan is not valid JSON: {exc}", where=str(dp))
    scn_file = folder / "scenario.resolved.yaml"
    if scn_file.exists():
        from siteplan.scenario.load import load_scenario

        view.scenario = load_scenario(scn_file)
    bj = folder / BINDING_FILE
    if bj.exists():
        try:
            view.binding = json.loads(_read_text(bj))
        except json.JSONDecodeError as exc:
            raise InputError(f"{BINDING_FILE} is not valid JSON: {exc}", where=str(bj),
                             fix="re-run siteplan explain --binding")
        stated = view.binding.get("scenario_hash") if isinstance(view.binding, dict) else None
        if stated is not None and stated != (doc.get("scenario") or {}).get("hash"):
            view.binding = None  # an analysis of another scenario never shows beside this plan
    return view


def _read_text(path: Path) -> str:
    """A JSON input of the report, read bounded (regular files only)."""
    return read_text_bounded(path, MAX_PLAN_BYTES, path.name)


def read_csv_rows(path: Path) -> list[dict]:
    blob = read_bounded(path, MAX_CSV_BYTES, "file")
    try:
        df = pd.read_csv(io.BytesIO(blob), dtype=object, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable CSV: {exc}", where=str(path))
    return df.to_dict("records")


def load_sweep(folder: Path) -> dict:
    """sweep.json (from `siteplan sweep`), or a bare frontier.csv, from a sweep folder."""
    sj = folder / "sweep.json"
    if sj.exists():
        try:
            data = json.loads(_read_text(sj))
        except json.JSONDecodeError as exc:
            raise InputError(f"sweep.json is not valid JSON: {exc}", where=str(sj))
        if not isinstance(data, dict) or not isinstance(data.get("frontier"), list):
            raise InputError("sweep.json has no frontier list", where=str(sj))
        return data
    fc = folder / "frontier.csv"
    if fc.exists():
        return {"frontier": read_csv_rows(fc), "vary": [], "kpi": None, "cost": None}
    raise InputError("no sweep.json or frontier.csv here", where=str(folder),
                     fix="give the folder that `siteplan sweep --out` wrote")


# ------------------------------------------------------------------------------ sections

def _header(view: PlanView, L: Labels) -> str:
    doc = view.doc
    s, sol = doc.get("scenario", {}), doc.get("solver") or {}
    status = "infeasible" if view.diagnostic else doc.get("status")
    preset = s.get("preset")
    ptitle = ""
    if preset:
        try:
            from siteplan.scenario.presets import load_preset

            p = load_preset(preset)
            name = L.word("preset", preset) if L.lang == "en" else p.title
            ptitle = f"{name if name != preset else p.title} ({p.document})"
        except Exception:  # noqa: BLE001 - an unknown preset only loses its title
            ptitle = preset
    return (f"<h1>{_e(L('title'))}</h1><div class='meta'><span>{_e(L('scenario'))}: <b>{_e(s.get('name'))}</b></span>"
            f"<span>{_e(L('preset'))}: {_e(ptitle or preset)}</span><span>{_e(L('objective'))}: {_e(L.word('obj', s.get('objective')))}</span>"
            f"<span>{_e(L('status'))}: <b class='{'ok' if has_plan(status) else 'bad'}'>"
            f"{_e(L.word('status', status))}</b></span>"
            f"<span>{_e(L('solver'))}: {_e(sol.get('backend'))} {_e(sol.get('version') or '')}</span></div>")


def _diagnosis(view: PlanView, L: Labels) -> str:
    from siteplan.report.words_zh import shortfall_zh

    d = view.diagnosis or {}
    say = shortfall_zh if L.lang == "zh" else (lambda s: s.get("text"))
    items = "".join(f"<li data-role='shortfall'>{_e(say(s))}</li>" for s in d.get("shortfalls", []))
    proofs = "".join(f"<li>{_e(p)}</li>" for p in d.get("proofs", []))
    out = f"<section id='diagnosis'><h2>{_e(L('diagnosis'))}</h2><ol class='diag'>{items}</ol>"
    if proofs:
        out += f"<ul class='note'>{proofs}</ul>"
    return out + f"<div class='banner' data-role='diagnostic-banner'>{_e(L('diagnostic_banner'))}</div></section>"


def _kpis(doc: dict, L: Labels) -> str:
    t = doc.get("totals") or {}
    if not t:
        return ""
    h = t.get("horizon_years")
    cards = [
        (L("sites_open"), fmt(t.get("sites_open")),
         f"+{fmt(t.get('sites_new', 0))} {L('sites_new_n')} · ↑{fmt(t.get('sites_expanded', 0))} {L('sites_expanded_n')}"),
        (L("floor_area"), f"{fmt(t.get('floor_area_m2'))} m²", f"{fmt(t.get('area_per_100_households'))} {L('per100')}"),
        (L("coverage"), f"{100 * (t.get('coverage_share') or 0):.1f}%",
         f"{fmt(t.get('residents_covered'))} / {fmt(t.get('residents'))}"),
        (L("workers"), fmt(t.get("workers")), f"{fmt(t.get('workers_per_10k_urban'))} · {L('per10k')}"),
        (L("capex"), money(t.get("capex"), L), ""),
        (L("opex"), money(t.get("opex_per_year"), L), ""),
        (L("total"), money(t.get("total_cost"), L), f"{fmt(h)} {L('years')}"),
        (L("mean_walk"), f"{fmt(t.get('mean_walk_m'))} m", f"p95 {fmt(t.get('p95_walk_m'))} m"),
    ]
    body = "".join(f"<div class='kpi'><small>{_e(a)}</small><b>{_e(b)}</b><small>{_e(c)}</small></div>"
                   for a, b, c in cards)
    return (f"<section id='kpis'><h2>{_e(L('kpis'))}</h2><div class='kpis'>{body}</div>"
            f"<p class='note' data-role='kpi-legend'>{_e(L('sites_open'))}: {_e(L('sites_signs'))}</p></section>")


def _map(view: PlanView, L: Labels) -> str:
    doc, scn = view.doc, view.scenario
    facilities = doc.get("facilities") or []
    committees = doc.get("committees") or []
    if scn is None or not committees:
        return ""
    t = scn.tables
    if not t.coords or any(c not in t.committees.columns or c not in t.sites.columns for c in t.coords):
        return ""
    cx, cy = t.coords

    def ok(x, y) -> bool:
        try:
            return math.isfinite(float(x)) and math.isfinite(float(y))
        except (TypeError, ValueError):
            return False

    pos = {str(r["id"]): (float(r[cx]), float(r[cy])) for r in t.committees[["id", cx, cy]].to_dict("records")
           if ok(r[cx], r[cy])}
    cm = [{"id": c["committee_id"], "x": pos[c["committee_id"]][0], "y": pos[c["committee_id"]][1],
           "site_id": c.get("site_id"), "kind": c.get("kind")} for c in committees if c["committee_id"] in pos]
    open_ids = {f["site_id"] for f in facilities}
    facilities = [f for f in facilities if ok(f.get("x"), f.get("y"))]
    cand = [{"id": r["id"], "x": float(r[cx]), "y": float(r[cy])}
            for r in t.sites[["id", cx, cy, "excluded"]].to_dict("records")
            if r["id"] not in open_ids and not bool(r["excluded"]) and ok(r[cx], r[cy])]
    if not cm:
        return ""
    # the distance kind says how its coordinates lie on a plane (lon/lat: a local projection)
    method = scn.spec.distance_spec.method
    reach = scn.spec.reach.metres("urban")
    points = np.array([(c["x"], c["y"]) for c in cm] + [(f["x"], f["y"]) for f in facilities], dtype=float)
    shapes = map_shapes(scn, doc, points)
    body = svg.plan_map(cm, facilities, cand, reach, method, scale_label=L("scale"), shapes=shapes)
    legend = _map_legend(L, reach, shapes, distance.get(method).draws_circles)
    banner = f"<div class='banner'>{_e(L('diagnostic_banner'))}</div>" if view.diagnostic else ""
    note = L("map_note") if shapes is None else L("map_note_network")
    return (f"<section id='map'><h2>{_e(L('map'))}</h2>{banner}<p class='note'>{_e(note)}</p>"
            f"{legend}{body}</section>")


def _map_legend(L: Labels, reach: float, shapes, draws_circles: bool) -> str:
    """The map's key, one unbreakable entry per sign: on streets the walking network and the
    walksheds, else the reach circles (when the distance kind draws them)."""
    def key(style: str, text: str) -> str:
        return f"<span><i style='{style}'></i>{_e(text)}</span>"

    keys = [key(f"background:{svg.SERVED};border-radius:50%", L("legend_committee")),
            key(f"background:{svg.UNSERVED};border-radius:50%", L("legend_uncovered")),
            key(f"background:{svg.SITE_NEW}", L("legend_site_new")),
            key(f"background:{svg.SITE_OLD}", L("legend_site_existing")),
            key("background:none;border:1px solid #aaa", L("legend_candidate"))]
    if shapes is not None:  # on streets: the walking network and walksheds, no circles
        if shapes.streets:
            keys.append(key(f"background:{svg.STREET};height:2px;vertical-align:3px", L("legend_street")))
        kinds = {kind for kind, _ in shapes.barriers}
        if "river" in kinds:
            keys.append(key("background:#8cc3e8;height:4px;vertical-align:2px", L("legend_river")))
        if "rail" in kinds:
            keys.append(key("background:repeating-linear-gradient(90deg,#555 0 6px,transparent 6px 9px);"
                            "height:2px;vertical-align:3px", L("legend_rail")))
        keys.append(key("background:rgba(31,111,178,.12);border:1px solid #8fb3d6",
                        f"{L('legend_walkshed')} {reach:,.0f} m"))
    elif draws_circles:
        keys.append(key("background:none;border:1px dashed #1f6fb2;border-radius:50%",
                        f"{L('legend_reach')} {reach:,.0f} m"))
    return f"<div class='legend'>{''.join(keys)}</div>"


def _compliance(doc: dict, L: Labels) -> str:
    rows = doc.get("compliance") or []
    if not rows:
        return ""
    shown = [r for r in rows if not strip_year(r.get("scope", ""), r.get("year")).startswith(("facility:", "committee:"))
             or r.get("ok") is False]
    head = "".join(f"<th>{_e(L(k))}</th>" for k in ("rule", "scope", "required", "achieved", "ok", "kind", "source"))
    body = []
    # a timeline plan's rows carry a year: one group per year, each headed by its year
    groups = group_by_year(shown) if any("year" in r for r in shown) else [(None, shown)]
    for year, group in groups:
        if len(groups) > 1:
            body.append(f"<tr class='yearhead' data-role='compliance-year' data-year='{_e(year)}'>"
                        f"<th colspan='7'>{_e(year if year is not None else L('tl_whole'))}</th></tr>")
        body += [_compliance_row(r, L, year) for r in group]
    foot = f"<p class='note'>* {_e(L('overridden'))}</p>" if any(r.get("overridden") for r in shown) else ""
    return (f"<section id='compliance'><h2>{_e(L('compliance'))}</h2><table><tr>{head}</tr>{''.join(body)}</table>"
            f"{foot}</section>")


def _compliance_row(r: dict, L: Labels, year: int | None = None) -> str:
    """One compliance row; in a year's group its scope loses the year prefix."""
    status = row_status(r)
    mark = {"ok": (L("yes"), "ok"), "FAIL": (L("no"), "bad"), "below": (L("below"), "bad"),
            NOT_DECLARED: (L("not_declared"), "muted")}.get(status, (L("na"), "muted"))
    cls = "fail" if status == "FAIL" else "below" if status == "below" else ""
    title = L.rule_name(r)
    star = f" <span title='{_e(L('overridden'))}'>*</span>" if r.get("overridden") else ""
    rule = f"{_e(title)}{star}<br><span class='muted'>{_e(r.get('rule'))}</span>"
    note = f"<br><span class='muted'>{_e(L.note(r.get('note')))}</span>" if r.get("note") else ""
    req, ach = tell_apart(r.get("required"), r.get("achieved"), lambda v: fmt(v, L))
    at = f" data-year='{_e(year)}'" if year is not None else ""
    return (f"<tr class='{cls}' data-role='compliance-row'{at}><td>{rule}</td>"
            f"<td>{_e(L.scope(strip_year(r.get('scope'), year)))}</td>"
            f"<td class='num'>{_e(L.word('op', r.get('op', '')))} {_e(req)}</td>"
            f"<td class='num'>{_e(ach)}</td><td class='{mark[1]}'>{_e(mark[0])}</td>"
            f"<td>{_e(L.kind(r.get('kind')))}</td><td class='src'>{_e(r.get('source'))}{note}</td></tr>")


def _costs(doc: dict, L: Labels) -> str:
    t = doc.get("totals") or {}
    fac = doc.get("facilities") or []
    if not t:
        return ""
    new = sum(float(f.get("capex") or 0) for f in fac if f.get("status") == "new")
    exp = sum(float(f.get("capex") or 0) for f in fac if f.get("status") != "new")
    # opex_workers_per_year pays community workers and window staff at one wage: split it by head
    staff_pay = float(t.get("opex_workers_per_year") or 0)
    heads = float(t.get("workers") or 0) + float(t.get("window_staff") or 0)
    windows_pay = staff_pay * float(t.get("window_staff") or 0) / heads if heads else 0.0
    parts = [
        (L("capex"), [(L("capex_new"), new), (L("capex_expanded"), exp),
                      (L("capex_types"), sum(float(f.get("capex") or 0) for f in doc.get("type_facilities") or [])
                       - float(t.get("co_location_saving") or 0))]),
        (L("opex"), [(L("opex_area"), float(t.get("opex_area_per_year") or 0)),
                     (L("opex_workers"), staff_pay - windows_pay),
                     (L("opex_windows"), windows_pay)]),
    ]
    # a category the plan does not have (no windows, no expansions) gets no bar and no legend entry
    parts = [(label, [(k, v) for k, v in row if v > 0]) for label, row in parts]
    chart = svg.bar_chart(parts, unit="元" if L.lang == "zh" else " CNY", fmt=lambda v: mny(v, L))
    if doc.get("timeline"):  # opex differs year by year: the total is the yearly costs' (discounted) sum
        total = (f"{_e(L('tl_total'))}: {money(t.get('total_cost'), L)} ({_e(L('tl_rate'))} "
                 f"{100 * float(t.get('discount_rate') or 0):g}%); {_e(L('tl_last_year_bars'))}")
    else:
        total = (f"{_e(L('total'))}: {money(t.get('total_cost'), L)} = {_e(L('capex'))} "
                 f"{money(t.get('capex'), L)} + {fmt(t.get('horizon_years'))} × {_e(L('opex'))} "
                 f"{money(t.get('opex_per_year'), L)}")
    return (f"<section id='costs'><h2>{_e(L('costs'))}</h2>{chart}<p class='note'>{total}</p>"
            f"<h2>{_e(L('facilities'))}</h2>{_facilities_table(fac, L)}{_type_facilities(doc, L)}</section>")


def _rule_columns(fac: list[dict]) -> list[str]:
    """The rules' floor fields (elderly-care area...) some facility of the plan has: a plan
    without a rule's decisions keeps the table it had before the rule existed."""
    from siteplan.rules import registered

    return [name for r in registered() for name in r.floor_fields if any(name in f for f in fac)]


def _facilities_table(fac: list[dict], L: Labels) -> str:
    """Open facilities, largest capex first: area (and each rule's floor area after it),
    residents served, capex and opex."""
    extra = _rule_columns(fac)
    types = any("types" in f for f in fac)  # a plan with several facility types: what each plot hosts
    keys = ["site", "street", "facility_status", *(["types"] if types else []), "area",
            *(f"field_{n}" for n in extra), "served", "capex", "opex"]
    head = "".join(f"<th>{_e(L(k))}</th>" for k in keys)
    rows = "".join(
        f"<tr><td>{_e(f.get('site_id'))}</td><td>{_e(f.get('street'))}</td><td>{_e(L.word('fs', f.get('status')))}</td>"
        + (f"<td>{_e(str(f.get('types', '')).replace(';', ' + '))}</td>" if types else "")
        + f"<td class='num'>{fmt(float(f.get('area_m2') or 0))}</td>"
        + "".join(f"<td class='num'>{fmt(_num(f.get(n)))}</td>" for n in extra)
        + f"<td class='num'>{fmt(f.get('served_residents'))}</td>"
        f"<td class='num'>{mny(f.get('capex'), L)}</td><td class='num'>{mny(f.get('opex_per_year'), L)}</td></tr>"
        for f in sorted(fac, key=lambda f: -float(f.get("capex") or 0)))
    return f"<table><tr>{head}</tr>{rows}</table>"


def _type_facilities(doc: dict, L: Labels) -> str:
    """The facilities of the types besides service (plan.json `type_facilities`), by type."""
    recs = doc.get("type_facilities")
    if not recs:
        return ""
    keys = ["site", "facility_type", "street", "area", "served_committees", "co_located", "capex", "opex"]
    head = "".join(f"<th>{_e(L(k))}</th>" for k in keys)
    rows = "".join(
        f"<tr><td>{_e(f.get('site_id'))}</td><td>{_e(f.get('title') or f.get('type'))}</td><td>{_e(f.get('street'))}</td>"
        f"<td class='num'>{fmt(float(f.get('area_m2') or 0))}</td><td class='num'>{fmt(f.get('served_committees'))}</td>"
        f"<td>{'✓' if f.get('co_located') else ''}</td>"
        f"<td class='num'>{mny(f.get('capex'), L)}</td><td class='num'>{mny(f.get('opex_per_year'), L)}</td></tr>"
        for f in sorted(recs, key=lambda f: (str(f.get("type")), str(f.get("site_id")))))
    saving = (doc.get("totals") or {}).get("co_location_saving")
    note = f"<p class='note'>{_e(L('co_location_saving'))}: {money(saving, L)}</p>" if saving is not None else ""
    return f"<h2>{_e(L('type_facilities'))}</h2><table><tr>{head}</tr>{rows}</table>{note}"


def _binding(view: PlanView, L: Labels) -> str:
    b = view.binding
    if view.diagnostic:
        return ""
    if not b:
        return f"<section id='binding'><h2>{_e(L('binding'))}</h2><p class='note muted'>{_e(L('binding_missing'))}</p></section>"
    head = "".join(f"<th>{_e(L(k))}</th>" for k in ("change", "delta_total", "tight", "note"))
    rows = []
    for r in b.get("rows", []):
        d = r.get("delta_total")
        label = L(f"nudge_{r.get('key')}")
        if label == f"nudge_{r.get('key')}":
            label = str(r.get("label"))
        if r.get("status") != "solved":
            note = f"{L('no_plan')} ({L.word('status', r.get('status'))})"
        elif d is None:
            note = ""
        else:
            note = (f"{L('capex_short')} {mny(float(r.get('delta_capex') or 0), L, sign=True)}, "
                    f"{L('opex_short')} {mny(float(r.get('delta_opex') or 0), L, sign=True)}")
            if r.get("delta_covered"):
                note += f", {L('coverage')} {int(r['delta_covered']):+,}"
        rows.append(f"<tr data-role='binding-row'><td>{_e(label)}<br><span class='muted'>{_e(fmt(r.get('base'), L))} → "
                    f"{_e(fmt(r.get('nudged'), L))}</span></td><td class='num'>{'—' if d is None else mny(d, L, sign=True)}</td>"
                    f"<td>{_e(fmt(r.get('tight'), L))}</td><td>{_e(note)}</td></tr>")
    return (f"<section id='binding'><h2>{_e(L('binding'))}</h2><p class='note'>{_e(L('binding_note'))}</p>"
            f"<table><tr>{head}</tr>{''.join(rows)}</table></section>")


def _num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _sweep(data: dict, L: Labels) -> str:
    rows = data.get("frontier") or []
    if not rows:
        return ""
    kpi = data.get("kpi") or next((k for k in ("residents_covered", "coverage_share") if k in rows[0]), None)
    cost = data.get("cost") or "capex"
    varied = [str(v).split("=")[0].strip() for v in data.get("vary") or []]
    if not varied:
        skip = {"run_id", "status", kpi, cost, "coverage_share"}
        varied = [k for k in rows[0] if k not in skip and not str(k).endswith("_per_extra_million")]
    xkey = varied[0] if varied else cost
    series: dict[str, list] = {}
    for r in rows:
        other = ", ".join(f"{k}={fmt(_num(r.get(k)) if _num(r.get(k)) is not None else r.get(k))}"
                          for k in varied[1:])
        x, y = _num(r.get(xkey)), _num(r.get(kpi))
        if x is not None and y is not None and has_plan(str(r.get("status", Termination.OPTIMAL.value))):
            series.setdefault(other, []).append((x, y))
    chart = svg.line_chart([(k, sorted(v)) for k, v in series.items()], xlabel=xkey, ylabel=str(kpi))
    cols = list(rows[0].keys())
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td class='num'>{_e(fmt(_num(r.get(c)) if _num(r.get(c)) is not None else r.get(c), L))}</td>"
                                    for c in cols) + "</tr>" for r in rows)
    out = (f"<section id='sweep'><h2>{_e(L('frontier'))}</h2>{chart}<h2>{_e(L('frontier_table'))}</h2>"
           f"<table><tr>{head}</tr>{body}</table>")
    binds = data.get("standards") or []
    if binds:
        keep = ("rule", "scope", "op", "required", "points_binding", "first_binds_at", "first_met_at")
        cols = [c for c in binds[0] if c in keep] or list(binds[0])
        out += (f"<h2>{_e(L('standards_bind'))}</h2><table><tr>{''.join(f'<th>{_e(c)}</th>' for c in cols)}</tr>"
                + "".join("<tr>" + "".join(f"<td>{_e(fmt(b.get(c), L))}</td>" for c in cols) + "</tr>" for b in binds)
                + "</table>")
    return out + "</section>"


def _timeline(view: PlanView, L: Labels) -> str:
    """A timeline plan's schedule, yearly costs and year maps (siteplan.report.yearly)."""
    return "" if view.diagnostic else timeline_section(view.doc, view.scenario, L, mny)


def _compare(rows: list[dict], L: Labels) -> str:
    if not rows:
        return ""
    cols = list(rows[0].keys())
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = "".join("<tr data-role='compare-row'>" + "".join(
        f"<td class='{'num' if i else ''}'>{_e(r.get(c))}</td>" for i, c in enumerate(cols)) + "</tr>" for r in rows)
    return f"<section id='compare'><h2>{_e(L('compare'))}</h2><table><tr>{head}</tr>{body}</table></section>"


# ------------------------------------------------------------------------------ assembly

def render(view: PlanView | None, *, lang: str | None = None, sweep: dict | None = None,
           compare: list[dict] | None = None, title: str | None = None) -> str:
    """The whole HTML document as a string."""
    preset = (view.doc.get("scenario") or {}).get("preset") if view else None
    if preset is None and sweep:
        preset = sweep.get("preset")
    L = Labels(lang or default_lang(preset))
    parts = []
    if view is not None:
        parts.append(_header(view, L))
        if view.diagnosis:
            parts.append(_diagnosis(view, L))
        parts += [_kpis(view.doc, L), _timeline(view, L), _map(view, L), _compliance(view.doc, L),
                  _costs(view.doc, L), _binding(view, L)]
        name = (view.doc.get("scenario") or {}).get("name", "")
    else:
        heading = L("sweep_title") if sweep else L("compare_title")
        parts.append(f"<h1>{_e(title or heading)}</h1>")
        if sweep and sweep.get("vary"):
            parts.append(f"<div class='meta'><span>{_e(sweep.get('sweep_id', ''))}</span>"
                         f"<span>vary: {_e(', '.join(map(str, sweep['vary'])))}</span>"
                         f"<span>KPI: {_e(sweep.get('kpi'))}</span><span>cost: {_e(sweep.get('cost'))}</span></div>")
        name = title or heading
    if sweep:
        parts.append(_sweep(sweep, L))
    if compare:
        parts.append(_compare(compare, L))
    parts.append(f"<footer>siteplan · {_e(L('offline'))}</footer>")
    return page(name, parts, L.lang)


def page(name: str, parts: list[str], lang: str) -> str:
    """The document around the sections: inline styles, no script, a policy that forbids any
    request, and the generator mark `check_output_file` recognises."""
    body = "".join(p for p in parts if p).replace("<table>", "<div class='tw'><table>").replace(
        "</table>", "</table></div>")
    return (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><meta name='generator' content='siteplan'><title>{_e(name)} · siteplan</title>"
            f"<style>{CSS}</style></head><body><main>{body}</main></body></html>")


def build_report(source: str | Path | PlanView, out: str | Path, *, lang: str | None = None,
                 sweep: str | Path | None = None, compare: str | Path | None = None) -> Path:
    """Resolve `source` (an output folder, a sweep folder, a compare CSV, or a `PlanView`
    already loaded, e.g. of a stored run) and write `out`. Reads no run store: the command
    layer looks a run id up and passes its view."""
    from siteplan.fileio import write_text_atomic

    view, sweep_data, compare_rows = None, None, None
    src = Path(str(source.folder if isinstance(source, PlanView) else source))
    if isinstance(source, PlanView):
        view = source
    elif src.is_dir() and (src / "plan.json").exists():
        view = load_plan_view(src)
    elif src.is_dir() and ((src / "sweep.json").exists() or (src / "frontier.csv").exists()):
        sweep_data = load_sweep(src)
    elif src.is_file() and src.suffix.lower() == ".csv":
        compare_rows = read_csv_rows(src)
    else:
        raise InputError("not a solve output folder, a sweep folder, a compare CSV or a run id", where=str(source),
                         fix="give the folder `siteplan solve --out` wrote, or a run id from `siteplan runs list`")
    if sweep is not None:
        sweep_data = load_sweep(Path(sweep))
    if compare is not None:
        compare_rows = read_csv_rows(Path(compare))
    if view is not None and sweep_data is None:
        for cand in (view.folder / "sweep",):
            if (cand / "sweep.json").exists():
                sweep_data = load_sweep(cand)
    if view is not None and compare_rows is None and (view.folder / "compare.csv").exists():
        compare_rows = read_csv_rows(view.folder / "compare.csv")
    html = render(view, lang=lang, sweep=sweep_data, compare=compare_rows)
    return write_text_atomic(Path(out), html)

