"""Side-by-side KPIs of several runs, with differences against the first column.

A column comes from a stored run (its totals and compliance rows) or from a scenario solved
on the fly and recorded in the store. Rows: the headline KPIs, then every city or summary
compliance row as two rows (ok, achieved). Deltas are shown for numbers only.
"""

from __future__ import annotations

import re

from siteplan.plan import row_status

#: (totals key, label, scale) in the order an analyst reads them
KPIS = [
    ("capex", "capex (CNY)", 1),
    ("opex_per_year", "opex per year (CNY)", 1),
    ("total_cost", "total cost over horizon (CNY)", 1),
    ("horizon_years", "horizon (years)", 1),
    ("sites_open", "sites opened", 1),
    ("floor_area_m2", "floor area (m²)", 1),
    ("workers", "community workers", 1),
    ("workers_per_10k_urban", "workers per 10k urban residents", 1),
    ("residents_covered", "residents covered", 1),
    ("coverage_share", "residents covered (%)", 100),
    ("mean_walk_m", "mean walk (m)", 1),
    ("p95_walk_m", "95th percentile walk (m)", 1),
]

#: further rows an analysis may add to columns (key -> label), shown after the rules when any
#: column has them (`siteplan.analysis.walk_gap`)
EXTRA: dict[str, str] = {}

#: (totals_by_year key, label) of a timeline plan's yearly rows, side by side per year
YEARLY = [
    ("capex_spent", "capex spent (CNY)"),
    ("opex", "opex (CNY)"),
    ("discounted_cost", "discounted cost (CNY)"),
    ("sites_open", "sites open"),
    ("workers", "community workers"),
    ("residents_covered", "residents covered"),
]

#: (totals key prefix, label) of each facility type's rows (siteplan/rules/_types_check.py),
#: per type after the headline KPIs, and per year and type after each year's rows
PER_TYPE = [
    ("sites_open_", "sites opened"),
    ("area_m2_", "floor area (m²)"),
    ("committees_covered_", "committees served"),
]

_COUNT = re.compile(r"^((?:\d{4}: )?)all \d+ ")  # "2023: all 96 ..." in a timeline's yearly rows


def _type_values(t: dict, prefix: str) -> dict:
    """Row key -> value of a totals mapping's per-type figures and co-location saving."""
    out = {}
    for key, v in t.items():
        for pre, _ in PER_TYPE:
            if key.startswith(pre) and key[len(pre):]:
                out[f"{prefix}type:{key[len(pre):]}:{pre}"] = v
        if key == "co_location_saving":
            out[f"{prefix}co_location_saving"] = v
    return out


def column(label: str, totals: dict | None, compliance: list[dict] | None, status: str,
           tag: str | None = None, by_year: list[dict] | None = None) -> dict:
    """One column: row key -> value (numbers stay numbers; None when absent). `by_year`: a
    timeline plan's totals_by_year, giving rows "year:<year>:<key>" (a single-period plan
    has none, and shows — in them)."""
    col: dict = {"status": status}
    t = totals or {}
    for key, _, scale in KPIS:
        v = t.get(key)
        col[key] = v * scale if isinstance(v, (int, float)) and scale != 1 else v
    col.update(_type_values(t, ""))
    for r in by_year or []:
        for key, _ in YEARLY:
            col[f"year:{r.get('year')}:{key}"] = r.get(key)
        col.update(_type_values(r, f"year:{r.get('year')}:"))
    for r in compliance or []:
        if r["scope"].startswith(("facility:", "committee:")):
            continue
        scope = _COUNT.sub(r"\1all ", r["scope"])
        col[f"rule:{r['rule']}@{scope}:ok"] = row_status(r)  # ok/FAIL/below/not declared/not assessed
        col[f"rule:{r['rule']}@{scope}:achieved"] = r.get("achieved")
    return {"label": label, "tag": tag or label, "values": col}


def table(columns: list[dict]) -> tuple[list[str], list[list]]:
    """(header, rows): KPI, col1, col2, Δ col2, col3, Δ col3, ..."""
    header = ["KPI", columns[0]["label"]]
    for c in columns[1:]:
        header += [c["label"], f"Δ {c['tag']}"]
    keys = ["status"] + [k for k, _, _ in KPIS]
    names = {k: lab for k, lab, _ in KPIS}
    types = list(dict.fromkeys(k.split(":")[1] for c in columns for k in c["values"] if k.startswith("type:")))

    def per_type(prefix: str, head: str) -> None:
        for t in types:
            for pre, lab in PER_TYPE:
                keys.append(f"{prefix}type:{t}:{pre}")
                names[keys[-1]] = f"{head}{t}: {lab}"
        if types:
            keys.append(f"{prefix}co_location_saving")
            names[keys[-1]] = f"{head}co-location saving (CNY)"

    per_type("", "")
    years = sorted({k.split(":")[1] for c in columns for k in c["values"] if k.startswith("year:")})
    for y in years:  # yearly totals, year by year, after the headline KPIs
        for key, lab in YEARLY:
            keys.append(f"year:{y}:{key}")
            names[f"year:{y}:{key}"] = f"{y}: {lab}"
        per_type(f"year:{y}:", f"{y}: ")
    for c in columns:  # compliance rows in first-seen order
        for k in c["values"]:
            if k.startswith("rule:") and k not in keys:
                keys.append(k)
    keys += [k for k in EXTRA if any(k in c["values"] for c in columns)]
    names.update(EXTRA)
    rows = []
    for k in keys:
        vals = [c["values"].get(k) for c in columns]
        name = names.get(k) or (k[5:].replace("@", " @ ").replace(":ok", ": ok").replace(":achieved", ": achieved")
                                if k.startswith("rule:") else k)
        row = [name, vals[0]]
        for v in vals[1:]:
            row += [v, _delta(v, vals[0])]
        rows.append(row)
    return header, rows


def _delta(v, base):
    if isinstance(v, bool) or isinstance(base, bool):
        return None
    if isinstance(v, (int, float)) and isinstance(base, (int, float)):
        d = v - base
        return round(d, 6) if isinstance(d, float) else d
    return None


def cell(v, delta: bool = False) -> str:
    if v is None:
        return "" if delta else "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        sign = "+" if delta and v > 0 else ""
        if isinstance(v, int) or (abs(v) >= 1000 and float(v).is_integer()):
            return f"{sign}{v:,.0f}"
        return f"{sign}{v:,.2f}" if abs(v) >= 100 else f"{sign}{v:,.4g}"
    if isinstance(v, (dict, list)):
        return str(v)
    return str(v)


def render_terminal(header: list[str], rows: list[list]) -> str:
    cells = [[r[0]] + [cell(v, delta=header[i + 1].startswith("Δ ")) for i, v in enumerate(r[1:])]
             for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    widths[0] = min(widths[0], 56)
    out = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    out.append("  ".join("-" * w for w in widths))
    for c in cells:
        out.append("  ".join(v[:w].ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths))))
    return "\n".join(out)


def render_markdown(header: list[str], rows: list[list]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in header) + " |",
           "|---|" + "---:|" * (len(header) - 1)]
    for r in rows:
        vals = [esc(r[0])] + [esc(cell(v, delta=header[i + 1].startswith("Δ "))) for i, v in enumerate(r[1:])]
        out.append("| " + " | ".join(vals) + " |")
    return "\n".join(out) + "\n"


def to_frame(header: list[str], rows: list[list]):
    """Raw values (not formatted) for the CSV: spreadsheets do their own formatting."""
    import pandas as pd

    return pd.DataFrame([[_csv(v) for v in r] for r in rows], columns=header)


def _csv(v):
    return v if v is None or isinstance(v, (int, float, str)) else str(v)
