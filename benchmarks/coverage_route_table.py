"""Table and threshold scan of coverage_route.py's JSON lines.

For each candidate separator (a cheap pre-solve quantity) and each threshold t between two
measured values, the rule "SCIP for the coverage phase when the quantity is below t, else
HiGHS": points misrouted, total CPU s over all points, and the excess over always picking
the better solver (the oracle; `scip_wins`: a proof or, at the time limit, a better plan
before fewer CPU s). Also always-HiGHS and always-SCIP.

    python benchmarks/coverage_route_table.py benchmarks/results/lpshare9/route.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

FEATURES = ("lp_share", "lp_new_share", "cap_over_full")


def scip_wins(r: dict) -> bool:
    """SCIP is the better choice: it proves optimality and HiGHS does not, or neither does and
    SCIP's plan covers more, or both (or neither) do and SCIP takes fewer CPU s."""
    h, s = r["highs"], r["scip"]
    h_opt, s_opt = h["status"] == "optimal", s["status"] == "optimal"
    if h_opt != s_opt:
        return s_opt
    if not h_opt and h["objective"] is not None and s["objective"] is not None:
        if abs(h["objective"] - s["objective"]) > r["mip_gap"] * abs(h["objective"]):
            return s["objective"] > h["objective"]
    return s["cpu"] < h["cpu"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path)
    ap.add_argument("--at", default="0.35,0.40,0.42,0.43,0.44,0.45,0.50",
                    help="LP share thresholds to summarise")
    args = ap.parse_args()
    rows = [json.loads(x) for x in args.results.read_text().splitlines() if x.strip()]
    rows = [r for r in rows if "highs" in r and "scip" in r]
    rows.sort(key=lambda r: (r["city"], r["lp_share"]))

    print("| city | capex | LP share | new share | cap/full | load | HiGHS CPU s (status, nodes) "
          "| SCIP CPU s (status, nodes) | HiGHS/SCIP | objectives agree | better |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|---|---|")
    for r in rows:
        h, s = r["highs"], r["scip"]
        print(f"| {r['city']} | {r['capex'] / 1e6:.0f}M | {r['lp_share']:.3f} | "
              f"{r['lp_new_share']:.3f} | {r['cap_over_full']:.3f} | {r['load_before'][0]:.1f} | "
              f"{h['cpu']:.1f} ({h['status']}, {h['nodes']}) | {s['cpu']:.1f} ({s['status']}, "
              f"{s['nodes']}) | {h['cpu'] / s['cpu']:.2f} | "
              f"{'yes' if r.get('agree') else 'no'} (diff {r.get('obj_rel_diff', float('nan')):.4%}) | "
              f"{'SCIP' if scip_wins(r) else 'HiGHS'} |")

    oracle = sum(r["scip" if scip_wins(r) else "highs"]["cpu"] for r in rows)
    all_h = sum(r["highs"]["cpu"] for r in rows)
    all_s = sum(r["scip"]["cpu"] for r in rows)
    print(f"\n{len(rows)} points: oracle {oracle:.0f} CPU s, always HiGHS {all_h:.0f} "
          f"(+{all_h - oracle:.0f}), always SCIP {all_s:.0f} (+{all_s - oracle:.0f})")
    print("\nLP share rule at chosen thresholds (SCIP below t): total CPU s, excess over the "
          "oracle, misrouted to SCIP (its extra CPU s) / to HiGHS (its extra CPU s)")
    for t in (float(v) for v in args.at.split(",")):
        total = sum(r["scip" if r["lp_share"] < t else "highs"]["cpu"] for r in rows)
        to_s = [r for r in rows if r["lp_share"] < t and not scip_wins(r)]
        to_h = [r for r in rows if r["lp_share"] >= t and scip_wins(r)]
        xs = sum(r["scip"]["cpu"] - r["highs"]["cpu"] for r in to_s)
        xh = sum(r["highs"]["cpu"] - r["scip"]["cpu"] for r in to_h)
        print(f"  t={t:.2f}: {total:7.1f} (+{total - oracle:6.1f}); to SCIP {len(to_s)} "
              f"(+{xs:.0f}), to HiGHS {len(to_h)} (+{xh:.0f})")
    for feat in FEATURES:
        vals = sorted({r[feat] for r in rows})
        cuts = [(a + b) / 2 for a, b in zip(vals, vals[1:])]
        best = None
        lines = []
        for t in cuts:
            total = sum(r["scip" if r[feat] < t else "highs"]["cpu"] for r in rows)
            wrong = [r for r in rows
                     if (r[feat] < t) != scip_wins(r)]
            lines.append((t, total, wrong))
            if best is None or total < best[1]:
                best = (t, total, wrong)
        print(f"\n{feat}: best threshold {best[0]:.3f}: {best[1]:.0f} CPU s "
              f"(+{best[1] - oracle:.0f} over the oracle), {len(best[2])} misrouted")
        for t, total, wrong in lines:
            print(f"  t={t:.3f}: total {total:7.1f} (+{total - oracle:6.1f}), misrouted "
                  f"{len(wrong)}: " + ", ".join(
                      f"{w['city']} {w['capex'] / 1e6:.0f}M "
                      f"({w['highs']['cpu']:.0f}/{w['scip']['cpu']:.0f})" for w in wrong))


if __name__ == "__main__":
    main()
