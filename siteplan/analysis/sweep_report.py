"""What a sweep tells an analyst: the frontier, what each extra million buys, where each
standard starts to bind, and a chart. Everything is computed from the run store alone.

Frontier: one row per grid point (grid order) with the cost KPI (`capex` by default) and the
KPI of interest (`residents_covered` by default), and the marginal KPI per extra million.
The marginal is taken between a point and the previous point along the first varied key
(other keys equal), per million of that key's value when it is a money key (`budget.*`,
`costs.*`), and per million of the cost KPI otherwise; it is empty when either point has no
plan or the denominator does not grow.

Binding: a standard *binds* at a point when its city or summary compliance row holds with a
relative slack of at most `tol` (default 1%): (achieved - required) / |required| for ">="
rules, (required - achieved) / |required| for "<=" rules. The plan then sits on the rule's
limit, so tightening the rule would cost money or coverage. Rows whose required value is not
one number (per-kind maps, worker bands) cannot be tested this way and are reported n/a; a
rule that the point fails (a coverage target under max_coverage) does not bind, it is unmet,
and the first point where it is met is reported separately. Facts the scenario declares
(opening hours, activity share) equal the norm by statement, not by the solver's choice, and
are reported n/a too. Rules the model holds by construction never bind either: walking reach
(only pairs within reach exist, so the worst walk sits near the reach by chance, not because
the limit costs anything) and every committee served (the assignment rows are equalities, so
coverage is 100% by definition). Their rows say `structural` and are never counted as binding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from siteplan.analysis.sweep import Vary, fmt_value, point_label
from siteplan.fileio import write_csv_atomic, write_json_atomic, write_text_atomic

MONEY_PREFIXES = ("budget.", "costs.")
SOLVED = ("optimal", "feasible")
#: facts the scenario declares (opening hours, ...): equal to the norm by statement, not by choice
DECLARED_NOTE = "declared by the scenario"
_COUNT = re.compile(r"^all \d+ ")
#: rules that hold by construction of the model, not by a limit the solver trades against
STRUCTURAL_RULES = ("walking_reach", "every_committee_served")


def _scope_key(scope: str) -> str:
    """'all 12 served committees' and 'all 15 served committees' are the same summary row."""
    return _COUNT.sub("all ", scope)


def _entity(scope: str) -> bool:
    return scope.startswith(("facility:", "committee:"))


def frontier_rows(points: list[dict], varies: list[Vary], kpi: str = "residents_covered",
                  cost: str = "capex") -> list[dict]:
    """The frontier table (see the module docstring); `points` in grid order."""
    first = varies[0].key
    per_key = first.startswith(MONEY_PREFIXES)
    rows: list[dict] = []
    prev_of: dict[tuple, dict] = {}  # the other keys' values -> the point before along `first`
    for p in points:
        t = p.get("totals") or {}
        others = tuple((k, v) for k, v in p["point"].items() if k != first)
        row = {**p["point"], "run_id": p.get("id"), "status": p["status"],
               cost: t.get(cost), kpi: t.get(kpi)}
        if kpi != "coverage_share":
            row["coverage_share"] = t.get("coverage_share")
        prev = prev_of.get(others)
        marginal = None
        if prev is not None and p["status"] in SOLVED and prev["status"] in SOLVED:
            dx = (p["point"][first] - prev["point"][first]) if per_key else _num(t.get(cost)) - _num(
                (prev.get("totals") or {}).get(cost))
            dy = _num(t.get(kpi)) - _num((prev.get("totals") or {}).get(kpi))
            if dx and dx > 0 and dy is not None:
                marginal = round(dy / (dx / 1e6), 4)
        row[f"{kpi}_per_extra_million"] = marginal
        summary = p.get("summary") or {}
        reused = summary.get("reused_from")  # not solved: a higher point's answer, provably this one's
        row["warm_start"] = f"answer of {reused}" if reused else summary.get("warm_start")
        rows.append(row)
        prev_of[others] = p
    return rows


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0


def slack(row: dict) -> float | None:
    """Relative slack of a compliance row, or None when it is not a one-number rule."""
    req, ach = row.get("required"), row.get("achieved")
    if not (isinstance(req, (int, float)) and not isinstance(req, bool)
            and isinstance(ach, (int, float)) and not isinstance(ach, bool)):
        return None
    scale = max(abs(float(req)), 1e-9)
    if row.get("op") == ">=":
        return (float(ach) - float(req)) / scale
    if row.get("op") == "<=":
        return (float(req) - float(ach)) / scale
    return None


def binding_rows(points: list[dict], tol: float = 0.01) -> list[dict]:
    """Per standard (rule, scope): the first point where it binds and where it is met."""
    out: dict[tuple, dict] = {}
    for p in points:
        for r in p.get("compliance") or []:
            if _entity(r["scope"]):
                continue
            key = (r["rule"], _scope_key(r["scope"]))
            row = out.setdefault(key, {
                "rule": r["rule"], "scope": key[1], "op": r.get("op"), "required": r.get("required"),
                "enforced": r.get("enforced"), "testable": False,
                "structural": r["rule"] in STRUCTURAL_RULES or bool(r.get("structural")), "points_binding": 0,
                "first_binds_at": None, "first_binds_run": None, "first_met_at": None,
                "source": r.get("source", "")})
            s = None if r.get("note") == DECLARED_NOTE or row["structural"] else slack(r)
            if s is not None:
                row["testable"] = True
            if r.get("ok") is True and row["first_met_at"] is None:
                row["first_met_at"] = point_label(p["point"])
            if s is not None and r.get("ok") is True and s <= tol:
                row["points_binding"] += 1
                if row["first_binds_at"] is None:
                    row["first_binds_at"] = point_label(p["point"])
                    row["first_binds_run"] = p.get("id")
    rows = list(out.values())
    for row in rows:
        if not row["testable"]:
            row["first_binds_at"] = "n/a"
        row["required"] = row["required"] if isinstance(row["required"], (int, float, str)) or row[
            "required"] is None else json.dumps(row["required"], ensure_ascii=False)
    return rows


def is_monotone(rows: list[dict], varies: list[Vary], kpi: str) -> bool:
    """True when the KPI never falls as the first key grows (other keys fixed)."""
    last: dict = {}
    for r in rows:
        if r["status"] not in SOLVED:
            continue
        others = tuple((k, r[k]) for k in (v.key for v in varies[1:]))
        if others in last and r[kpi] < last[others] - 1e-9:
            return False
        last[others] = r[kpi]
    return True


def frontier_chart(rows: list[dict], varies: list[Vary], kpi: str, cost: str, png: Path, svg: Path) -> None:
    """KPI against the first varied key (one line per value of the other keys); infeasible
    and unsolved points marked on the axis. Written with the Agg backend (no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = varies[0].key
    money = first.startswith(MONEY_PREFIXES)
    scale = 1e6 if money else 1.0
    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    groups: dict = {}
    for r in rows:
        others = tuple((v.key, r[v.key]) for v in varies[1:])
        groups.setdefault(others, []).append(r)
    bad_x = []
    for others, rs in groups.items():
        ok = [r for r in rs if r["status"] in SOLVED and r[kpi] is not None]
        bad_x += [r[first] / scale for r in rs if r["status"] not in SOLVED]
        label = ", ".join(f"{k}={fmt_value(v)}" for k, v in others) or kpi
        ax.plot([r[first] / scale for r in ok], [r[kpi] for r in ok], marker="o", label=label)
    if bad_x:
        ax.scatter(bad_x, [ax.get_ylim()[0]] * len(bad_x), marker="x", color="red",
                   label="no plan (infeasible / no solution)", zorder=3, clip_on=False)
    ax.set_xlabel(f"{first}" + (" (million)" if money else ""))
    ax.set_ylabel(kpi.replace("_", " "))
    ax.set_title(f"Frontier: {kpi.replace('_', ' ')} against {first}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    for path in (png, svg):
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, format=path.suffix.lstrip("."))
        tmp.replace(path)  # atomic, like every other output
    plt.close(fig)


def write_sweep_outputs(store, sweep_id: str, varies: list[Vary], out_dir: str | Path, *,
                        kpi: str = "residents_covered", cost: str = "capex", tol: float = 0.01) -> dict:
    """frontier.csv, standards.csv, frontier.png/.svg and sweep.json in `out_dir`."""
    from siteplan.analysis.sweep import points_in_order

    out = Path(out_dir)
    points = points_in_order(store, sweep_id, varies)
    rows = frontier_rows(points, varies, kpi, cost)
    binds = binding_rows(points, tol)
    write_csv_atomic(out / "frontier.csv", rows)
    write_csv_atomic(out / "standards.csv", binds)
    frontier_chart(rows, varies, kpi, cost, out / "frontier.png", out / "frontier.svg")
    counts: dict[str, int] = {}
    for p in points:
        counts[p["status"]] = counts.get(p["status"], 0) + 1
    summary = {"sweep_id": sweep_id, "vary": [v.spec for v in varies], "kpi": kpi, "cost": cost,
               "binding_tolerance": tol, "points": len(points), "status_counts": counts,
               "monotone": is_monotone(rows, varies, kpi), "frontier": rows, "standards": binds}
    write_json_atomic(out / "sweep.json", summary)
    write_text_atomic(out / "frontier.md", markdown_table(rows))
    return summary


def markdown_table(rows: list[dict]) -> str:
    if not rows:
        return ""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(_cell(r[c]) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def _cell(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e3 else f"{v:,.0f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def terminal_table(rows: list[dict]) -> str:
    if not rows:
        return "(no points)"
    cols = list(rows[0])
    cells = [[_cell(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    head = "  ".join(c.rjust(w) for c, w in zip(cols, widths))
    return "\n".join([head] + ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells])
