"""The readable terminal summary of a plan and its compliance table."""

from __future__ import annotations


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 1e5 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return str(v)


def money(v) -> str:
    return "—" if v is None else f"{v / 1e6:,.2f}M CNY"


def compliance_lines(rows: list[dict], *, all_rows: bool = False) -> list[str]:
    """City-level and summary rows (plus every failing row); `all_rows` shows everything."""
    shown = [r for r in rows if all_rows or not r["scope"].startswith(("facility:", "committee:"))
             or r["ok"] is False]
    out = [f"  {'rule':<28} {'scope':<24} {'required':>16} {'achieved':>14}  ok"]
    for r in shown:
        mark = {True: "ok", False: "FAIL", None: "n/a"}[r["ok"]]
        if r["ok"] is False and not r["enforced"]:
            mark = "below"
        flag = " *" if r.get("overridden") else ""
        out.append(f"  {r['rule'][:28]:<28} {r['scope'][:24]:<24} {_fmt(r['required'])[:16]:>16} "
                   f"{_fmt(r['achieved'])[:14]:>14}  {mark}{flag}")
    if any(r.get("overridden") for r in shown):
        out.append("  * value overridden by the scenario (preset value differs)")
    return out


def summary_text(doc: dict) -> str:
    s, t, sol = doc["scenario"], doc["totals"], doc["solver"]
    gap = sol.get("facility_gap") if sol.get("facility_gap") is not None else sol.get("gap")
    lines = [
        f"siteplan: {s['name']} (preset {s['preset']}, objective {s['objective']})",
        (f"  status      {doc['status']}  [{sol['backend']} {sol['version']}, "
        f"{sol['solve_seconds']:.1f} s, gap {_fmt(gap * 100 if gap is not None else None)}%"
        f"{', limit: ' + sol['limit'] if sol.get('limit') else ''}]"),
        (f"  sites       {t['sites_open']} open ({t['sites_new']} new, {t['sites_expanded']} expanded), "
        f"{t['floor_area_m2']:,.0f} m² floor area ({_fmt(t['area_per_100_households'])} m² per 100 households)"),
        (f"  coverage    {t['committees_covered']:,}/{t['committees']:,} committees, "
        f"{t['residents_covered']:,}/{t['residents']:,} residents ({100 * (t['coverage_share'] or 0):.1f}%), "
        f"mean walk {_fmt(t['mean_walk_m'])} m, p95 {_fmt(t['p95_walk_m'])} m"),
        (f"  workers     {t['workers']:,} community workers ({_fmt(t['workers_per_10k_urban'])} per 10,000 urban "
        f"residents){', ' + str(t['window_staff']) + ' window staff' if t['window_staff'] else ''}"),
        (f"  cost        capex {money(t['capex'])}, opex {money(t['opex_per_year'])}/year, "
        f"total over {t['horizon_years']:g} years {money(t['total_cost'])}"),
        "  compliance  (independent check: " + ("passed" if doc["check"]["ok"] else
                                                f"FAILED, {doc['check']['violations']} violations") + ")",
    ]
    return "\n".join(lines + compliance_lines(doc["compliance"]))
