"""The readable terminal summary of a plan and its compliance table."""

from __future__ import annotations

import math

from siteplan.plan import NOT_DECLARED, row_status


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


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _fixed(v: float, decimals: int) -> str:
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _as_number(text: str):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return text


def tell_apart(required, achieved, fmt=None) -> tuple[str, str]:
    """`required` and `achieved` as text; when they differ as numbers but print alike, both
    get more decimals until they differ (17.995 must never show as the 18 it fails)."""
    fmt = fmt or _fmt
    req_s, ach_s = fmt(required), fmt(achieved)
    if not (_is_num(required) and _is_num(achieved)) or float(required) == float(achieved):
        return req_s, ach_s
    if _as_number(req_s) != _as_number(ach_s):  # "18" and "18.00" are the same number
        return req_s, ach_s
    for decimals in range(1, 17):
        req_s, ach_s = _fixed(float(required), decimals), _fixed(float(achieved), decimals)
        if req_s != ach_s:
            return req_s, ach_s
    return repr(required), repr(achieved)


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """Columns as wide as their widest cell: nothing is ever cut."""
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(cells) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return ("  " + "  ".join(parts)).rstrip()

    return [line(head)] + [line(r) for r in rows]


def compliance_lines(rows: list[dict], *, all_rows: bool = False) -> list[str]:
    """City-level and summary rows (plus every failing row); `all_rows` shows everything."""
    shown = [r for r in rows if all_rows or not r["scope"].startswith(("facility:", "committee:"))
             or r["ok"] is False]
    cells: list[tuple[str, ...]] = []
    for r in shown:
        mark = row_status(r)
        flag = " *" if r.get("overridden") else ""
        req, ach = tell_apart(r["required"], r["achieved"])
        cells.append((r["rule"], r["scope"], req, ach, mark + flag))
    out = _table(("rule", "scope", "required", "achieved", "status"), cells, right={2, 3})
    if any(r.get("overridden") for r in shown):
        out.append("  * value overridden by the scenario (preset value differs)")
    return out


# looked up with a row's op, which a row may lack (None: shown as ✗)
_NOT: dict[str | None, str] = {">=": "<", "<=": ">", "=": "≠", "in": "not in"}


def _compact(v) -> str:
    if _is_num(v) and not isinstance(v, int):
        return _fixed(v, 2 if abs(v) < 1e5 else 0)
    return _fmt(v)


def verdict(rows: list[dict], ok: bool, violations: int, *,
            passed: str = "passed, every enforced rule holds") -> str:
    """The check's outcome in one line: what the model enforces, and what it only reports.

    A passing check still names the targets that are reported but not enforced and missed
    (expected rules, coverage under max_coverage, declared facts), and the facts the
    scenario never declared, so "passed" is never read as "every standard is met".
    """
    head = passed if ok else f"FAILED, {violations} violations"
    missed = [r for r in rows if row_status(r) == "below"]
    if missed:
        repeated = {r["rule"] for r in missed if sum(x["rule"] == r["rule"] for x in rows) > 1}
        items = []
        for r in missed:
            req, ach = tell_apart(r["required"], r["achieved"], _compact)
            where = f" {r['scope']}" if r["rule"] in repeated else ""
            items.append(f"{r['rule']}{where} {ach} {_NOT.get(r.get('op'), '✗')} {req} ({r.get('kind')})")
        n = len(missed)
        head += f"; {n} target{'s' if n != 1 else ''} missed (reported, not enforced): " + ", ".join(items)
    undeclared = list(dict.fromkeys(r["rule"] for r in rows if row_status(r) == NOT_DECLARED))
    if undeclared:
        head += "; not declared by the scenario: " + ", ".join(undeclared)
    return head


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
        "  compliance  independent check: " + verdict(doc["compliance"], doc["check"]["ok"],
                                                      doc["check"]["violations"]),
    ]
    return "\n".join(lines + compliance_lines(doc["compliance"]))
