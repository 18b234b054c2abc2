"""What walking on the streets changes, for `compare` of one city with a straight-line
distance (euclidean, haversine) and with `network`.

A straight line promises every committee its nearest plot; on foot, across a river or a rail
line, that plot can be out of reach. This lists, by committee, the nearest candidate plot in
a straight line whose walk exceeds the reach (ids, straight metres, walking metres), counts
the committees the straight-line plan sends beyond the reach on foot, and sets the cost of
the honest plan (walked) against the straight-line plan. Distances are the distance kinds'
own (the model side: `nearest`, `between`), with each scenario's circuity.
"""

from __future__ import annotations

import numpy as np

STRAIGHT = ("euclidean", "haversine")


def pair_of(scenarios: list) -> tuple[int, int] | None:
    """(straight, walked) positions of the first scenario pair that is one city (the same
    committee and site ids) measured in a straight line and on the streets, else None."""
    for i, a in enumerate(scenarios):
        for j, b in enumerate(scenarios):
            if (a is not None and b is not None and a.spec.distance_spec.method in STRAIGHT
                    and b.spec.distance_spec.method == "network" and _same_city(a, b)):
                return i, j
    return None


def _same_city(a, b) -> bool:
    ta, tb = a.tables, b.tables
    return (list(ta.committees["id"]) == list(tb.committees["id"])
            and list(ta.sites["id"]) == list(tb.sites["id"]))


def walk_gap(straight, walked, straight_plan=None, costs: tuple | None = None) -> dict:
    """The listing (see the module docstring). `straight_plan`: the straight-line plan's
    assignment (committee id -> site id); `costs`: (straight-line plan total, walked total)."""
    from siteplan import distance

    sk, wk = distance.get(straight.spec.distance_spec.method), distance.get("network")
    s_circ, w_circ = straight.spec.distance_spec.circuity, walked.spec.distance_spec.circuity
    ts, tw = straight.tables, walked.tables
    n = len(ts.committees)
    kind = ts.committees["kind"].to_numpy()
    reach = np.where(kind == "rural", walked.spec.reach.metres("rural"), walked.spec.reach.metres("urban"))
    plots = np.flatnonzero(~ts.sites["excluded"].to_numpy(bool))
    everyone = np.arange(n)
    pos, straight_m = sk.nearest(ts, everyone, plots, s_circ)
    has = pos >= 0
    site = np.where(has, plots[np.maximum(pos, 0)], 0)
    walk_m = np.full(n, np.inf)
    walk_m[has] = wk.between(tw, everyone[has], site[has]) * w_circ
    cids, sids = ts.committees["id"].astype(str).to_numpy(), ts.sites["id"].astype(str).to_numpy()
    rows = [{"committee": cids[c], "nearest_plot": sids[site[c]], "straight_m": _m(straight_m[c]),
             "walk_m": _m(walk_m[c]), "reach_m": float(reach[c])}
            for c in np.flatnonzero(has & (walk_m > reach + 1e-9))]
    rows.sort(key=lambda r: (-(r["walk_m"] if r["walk_m"] is not None else np.inf), r["committee"]))
    out: dict = {"straight": straight.name, "walked": walked.name, "committees": n, "nearest_out_of_reach": rows}
    if straight_plan:
        index = {s: k for k, s in enumerate(sids)}
        served = [(c, index[straight_plan[cids[c]]]) for c in range(n) if straight_plan.get(cids[c]) in index]
        if served:
            c_idx = np.array([c for c, _ in served])
            s_idx = np.array([s for _, s in served])
            w = wk.between(tw, c_idx, s_idx) * w_circ
            beyond = w > reach[c_idx] + 1e-9
            out["straight_plan_beyond_reach"] = int(beyond.sum())
            out["straight_plan_longest_walk_m"] = _m(float(np.max(w)))
    if costs is not None and None not in costs:
        a, b = float(costs[0]), float(costs[1])
        out["cost_straight"], out["cost_walked"] = a, b
        out["cost_difference"] = b - a
    return out


#: rows `add_rows` puts in the compare table (so --csv and --md carry the counts)
ROWS = (("walk:nearest_out_of_reach", "committees: nearest plot out of reach on foot"),
        ("walk:straight_plan_beyond_reach", "committees: straight plan's site out of reach on foot"))


def add_rows(columns: list[dict], straight: int, walked: int, gap: dict) -> None:
    """The counts as compare rows: in the walked column (the straight-line plan's, in its own)."""
    from siteplan.analysis.compare import EXTRA

    EXTRA.update(ROWS)
    columns[walked]["values"][ROWS[0][0]] = len(gap["nearest_out_of_reach"])
    if "straight_plan_beyond_reach" in gap:
        columns[straight]["values"][ROWS[1][0]] = gap["straight_plan_beyond_reach"]


def _m(v: float) -> float | None:
    return round(float(v), 1) if np.isfinite(v) else None


def render_text(gap: dict, limit: int = 30) -> str:
    rows = gap["nearest_out_of_reach"]
    lines = [f"On foot ({gap['walked']}) against a straight line ({gap['straight']}):",
             (f"  {len(rows)} of {gap['committees']:,} committees have their nearest plot in a straight line "
              "out of reach on foot")]
    if rows:
        lines.append(f"  {'committee':<12} {'nearest plot':<12} {'straight m':>10} {'walk m':>10} {'reach m':>8}")
        for r in rows[:limit]:
            walk = "no path" if r["walk_m"] is None else f"{r['walk_m']:,.0f}"
            lines.append(f"  {r['committee']:<12} {r['nearest_plot']:<12} {r['straight_m']:>10,.0f} {walk:>10} "
                         f"{r['reach_m']:>8,.0f}")
        if len(rows) > limit:
            lines.append(f"  ... and {len(rows) - limit} more")
    if "straight_plan_beyond_reach" in gap:
        k = gap["straight_plan_beyond_reach"]
        lines.append(f"  the straight-line plan sends {k:,} {'committee' if k == 1 else 'committees'} beyond the "
                     f"reach on foot (longest walk {_walk(gap['straight_plan_longest_walk_m'])})")
    if "cost_difference" in gap:
        a, b, d = gap["cost_straight"], gap["cost_walked"], gap["cost_difference"]
        share = f" ({d / a:+.1%})" if a else ""
        lines.append(f"  total cost: {b / 1e6:,.2f}M CNY on foot against {a / 1e6:,.2f}M in a straight line, "
                     f"{d / 1e6:+,.2f}M{share}")
    return "\n".join(lines)


def _walk(v) -> str:
    return "no path" if v is None else f"{v:,.0f} m"


def render_markdown(gap: dict) -> str:
    text = render_text(gap, limit=10**9).splitlines()
    out = [f"\n## {text[0]}\n", text[1].strip() + ".\n"]
    rows = gap["nearest_out_of_reach"]
    if rows:
        out += ["| committee | nearest plot | straight m | walk m | reach m |", "|---|---|---:|---:|---:|"]
        out += [f"| {r['committee']} | {r['nearest_plot']} | {r['straight_m']:,.0f} | "
                f"{'no path' if r['walk_m'] is None else format(r['walk_m'], ',.0f')} | {r['reach_m']:,.0f} |"
                for r in rows]
        out.append("")
    out += [line.strip() + "." for line in text if line.startswith(("  the straight-line", "  total cost"))]
    return "\n".join(out) + "\n"
