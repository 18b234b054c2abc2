"""HiGHS or SCIP for the max_coverage coverage phase: the LP share against both solvers' CPU s.

For the proposed route rule (SCIP when the coverage model's LP relaxation covers under about
40% of residents, else HiGHS; benchmarks/README.md, "Anatomy of a HiGHS coverage point"). Per
budget.capex point of a scenario, in this process, one solve at a time:

- the LP share, as coverage_lp_share.py computes it: the scenario loaded with objective
  max_coverage, that capex and solver.threads 1; the model `planning_model` builds; its LP
  relaxation by HiGHS; share = -objective / residents;
- the coverage phase MIP alone (that same model: no warm start, no cover cuts, no least-cost
  phase; cold, unlike a sweep, which warm-starts each point from the one before) solved by
  `siteplan.backends.solve` with each route, time limit 120 s, the scenario's solver.mip_gap,
  threads 1: CPU s (time.process_time; the solves run inline, which is checked), wall s,
  status, objective, bound, nodes.

Also per scenario, for other candidate separators (all LPs, cheap): the least feasible capex
(`cap_min`; below it the model is infeasible: some capex is owed anyway) and the LP share
there (about what existing sites cover), the least capex whose LP covers 99.9% of residents (bisection;
`cap_full`), and per point the LP's fractional open variables and capex used.

One JSON line per point to --out (appended), and a table on stdout.

    python benchmarks/coverage_route.py /tmp/city/scenario.yaml 2.5e8,3e8,3.5e8 --out r.jsonl
    python benchmarks/coverage_route.py /tmp/city/scenario.yaml 1e7,1e8,1e9 --lp-only
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np


def _lp(scenario: Path, cap: float):
    """(share, LP result, model, planning model, residents, mip_gap, LP CPU s) at `cap`."""
    from siteplan.backends import SolveOptions, solve
    from siteplan.instance import build_instance
    from siteplan.pipeline import planning_model
    from siteplan.scenario.load import load_scenario

    scn = load_scenario(
        scenario, {"objective": "max_coverage", "budget.capex": cap, "solver.threads": 1}
    )
    inst = build_instance(scn)
    model, pm = planning_model(scn, inst)
    c0 = time.process_time()
    res = solve(model.replace(integer=np.zeros_like(model.integer)), "highs", SolveOptions())
    cpu = time.process_time() - c0
    residents = float(inst.residents.sum())
    if res.objective is None:  # too small a budget is infeasible (some capex is owed anyway)
        return None, res, model, pm, residents, scn.spec.solver.mip_gap, cpu
    return -res.objective / residents, res, model, pm, residents, scn.spec.solver.mip_gap, cpu


def _least_cap(scenario: Path, hi: float, enough) -> float | None:
    """Least capex (to 0.5% or 100,000) whose LP share passes `enough`; None if `hi` does not."""
    if not enough(_lp(scenario, hi)[0]):
        return None
    if enough(_lp(scenario, 0.0)[0]):
        return 0.0
    lo = 0.0
    while hi - lo > max(0.005 * hi, 1e5):
        mid = (lo + hi) / 2
        if enough(_lp(scenario, mid)[0]):
            hi = mid
        else:
            lo = mid
    return hi


def _row(line: dict) -> str:
    def r(name: str) -> str:
        d = line.get(name)
        if d is None:
            return f"{'-':>24}"
        return f"{d['cpu']:7.1f} {d['status'][:4]:>4} {d['nodes'] if d['nodes'] is not None else '-':>6}"

    ratio = line.get("highs_over_scip")
    return (
        f"{line['capex'] / 1e6:8.0f}M {line['lp_share']:6.3f} {line['lp_new_share']:6.3f} "
        f"{line.get('cap_over_full') or float('nan'):6.3f} {r('highs')} {r('scip')} "
        f"{ratio if ratio is not None else float('nan'):6.2f} {line.get('agree', '-')!s:>5}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("capex", help="comma list of budget.capex values")
    ap.add_argument("--out", type=Path, default=None, help="JSON lines file (appended)")
    ap.add_argument("--lp-only", action="store_true", help="LP share only, no MIP")
    ap.add_argument("--routes", default="highs,scip")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--label", default=None, help="city name in the rows (default: the path)")
    ap.add_argument("--full-hi", type=float, default=5e9,
                    help="upper end of the cap_full bisection")
    args = ap.parse_args()

    from siteplan.backends import SolveOptions, solve

    label = args.label or str(args.scenario)
    caps = [float(v) for v in args.capex.split(",")]
    c0 = time.process_time()
    cap_min = _least_cap(args.scenario, args.full_hi, lambda s: s is not None)
    share0 = _lp(args.scenario, cap_min)[0] if cap_min is not None else 0.0
    cap_full = _least_cap(args.scenario, args.full_hi, lambda s: s is not None and s >= 0.999)
    print(f"# {label}: least feasible capex {cap_min / 1e6 if cap_min is not None else float('nan'):.1f}M, "
          f"LP share there {share0:.3f}; cap_full "
          f"{cap_full / 1e6 if cap_full else float('nan'):.0f}M "
          f"({time.process_time() - c0:.1f} CPU s to find)", flush=True)
    print(f"# {'capex':>8} {'share':>6} {'new':>6} {'/full':>6} "
          f"{'HiGHS CPU st nodes':>24} {'SCIP CPU st nodes':>24} {'H/S':>6} agree", flush=True)
    for cap in caps:
        load = os.getloadavg()
        share, lp, model, pm, residents, gap, lp_cpu = _lp(args.scenario, cap)
        y = lp.x[pm.y] if lp.x is not None and len(pm.y) else np.empty(0)
        line: dict = {
            "city": label,
            "scenario": str(args.scenario),
            "capex": cap,
            "load_before": load,
            "residents": residents,
            "committees": int(len(pm.inst.residents)),
            "mip_gap": gap,
            "lp_share": share,
            "lp_cpu": lp_cpu,
            "cap_min": cap_min,
            "lp_share_cap_min": share0,
            "lp_new_share": (share - share0) / (1 - share0) if share is not None and share0 < 1 else None,
            "cap_full": cap_full,
            "cap_over_full": cap / cap_full if cap_full else None,
            "lp_y_fractional": int(((y > 1e-6) & (y < 1 - 1e-6)).sum()),
            "lp_y_sum": float(y.sum()),
            "n_vars": model.n_vars,
            "n_int": int(model.integer.sum()),
            "n_rows": model.n_rows,
            "warm_start": False,
        }
        if not args.lp_only:
            for route in args.routes.split(","):
                opts = SolveOptions(time_limit=args.time_limit, mip_gap=gap, threads=1)
                line[f"load_before_{route}"] = os.getloadavg()
                c0, t0 = time.process_time(), time.perf_counter()
                res = solve(model, route, opts)
                cpu, wall = time.process_time() - c0, time.perf_counter() - t0
                assert res.isolation == "inline", res.isolation  # else CPU s would miss the child
                line[route] = {
                    "cpu": cpu,
                    "wall": wall,
                    "status": res.status.value,
                    "limit": res.limit,
                    "objective": model.user_objective(res.objective),
                    "bound": model.user_objective(res.bound),
                    "gap": res.gap,
                    "nodes": res.nodes,
                    "version": res.backend_version,
                }
            h, s = line.get("highs"), line.get("scip")
            if h and s:
                line["highs_over_scip"] = h["cpu"] / s["cpu"] if s["cpu"] > 0 else None
                if h["objective"] is not None and s["objective"] is not None:
                    diff = abs(h["objective"] - s["objective"]) / max(abs(h["objective"]), 1e-9)
                    line["obj_rel_diff"] = diff
                    # max_coverage: each plan's coverage within the gap of the other's and
                    # not above the other's proven bound (with a little slack for tolerances)
                    tol = 1e-6 * max(abs(h["objective"]), 1.0)
                    line["agree"] = bool(
                        diff <= gap + 1e-9
                        and (s["bound"] is None or h["objective"] <= s["bound"] + tol)
                        and (h["bound"] is None or s["objective"] <= h["bound"] + tol)
                    )
        print(_row(line), flush=True)
        if args.out:
            with args.out.open("a") as f:
                f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
